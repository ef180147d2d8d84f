"""A message's text as HTML: everything escaped, line breaks kept, and only http(s) links made
into anchors (``rel="nofollow noopener noreferrer ugc"``, a new tab); any other scheme stays text.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from markupsafe import Markup, escape

_URL = re.compile(r"""https?://[^\s<>"'`]+""", re.IGNORECASE)
#: Punctuation that ends a sentence rather than a link ("see https://x.com/a.").
_TRAILING = ".,;:!?)]}"


def _safe_url(candidate: str) -> str | None:
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return candidate


def render_body(text: str) -> Markup:
    """The message as safe HTML."""
    out: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        url = match.group(0)
        stripped = url.rstrip(_TRAILING)
        end = match.start() + len(stripped)
        out.append(str(escape(text[last : match.start()])))
        safe = _safe_url(stripped)
        if safe is None:
            out.append(str(escape(stripped)))
        else:
            out.append(
                f'<a href="{escape(safe)}" rel="nofollow noopener noreferrer ugc" '
                f'target="_blank">{escape(stripped)}</a>'
            )
        last = end
    out.append(str(escape(text[last:])))
    return Markup("".join(out).replace("\n", "<br>\n"))  # noqa: S704 (every part escaped above)
