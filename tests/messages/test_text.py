"""Messages are plain text: escaped, with only http(s) links made into safe anchors."""

from __future__ import annotations

from affiliate.messages.text import render_body


def test_html_is_escaped():
    html = str(render_body('<script>alert("x")</script> & <b>bold</b>'))
    assert "<script>" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;" in html
    assert "&amp;" in html


def test_http_links_get_nofollow_noopener_and_a_new_tab():
    html = str(render_body("See https://example.com/a?b=1&c=2."))
    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer ugc"' in html
    )
    assert 'target="_blank"' in html
    assert html.endswith("</a>.")  # the full stop stays outside the link


def test_other_schemes_stay_text():
    html = str(render_body("javascript:alert(1) data:text/html,<b>x</b> ftp://files.example"))
    assert "<a" not in html
    assert "javascript:alert(1)" in html


def test_a_link_cannot_break_out_of_its_attribute():
    html = str(render_body('http://x.example/"onmouseover="alert(1)'))
    assert 'onmouseover="' not in html


def test_line_breaks_are_kept():
    assert str(render_body("one\ntwo")) == "one<br>\ntwo"
