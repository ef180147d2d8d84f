"""Notification pages: the list, opening a notice, marking all read, and the bell in the nav."""

from __future__ import annotations

import re

import pytest

from core.extensions import db
from core.notifications import services
from core.notifications.models import Notification
from tests.conftest import Auth, post_form
from tests.core.accounts.helpers import redirect_target
from tests.factories import make_user

EMAIL = "nia@example.com"


@pytest.fixture
def user(app_ctx):
    return make_user(email=EMAIL)


@pytest.fixture
def signed_in(client, user):
    Auth(client).login(EMAIL)
    return client


def _notify(user_id: int, message: str, link: str | None = None) -> int:
    notification = services.notify(user_id, message, kind="test", link=link)
    db.session.commit()
    return notification.id


def _read_at(notification_id: int):
    db.session.expire_all()
    return db.session.get(Notification, notification_id).read_at


def test_signed_out_visitor_is_sent_to_sign_in(client, app_ctx):
    path, query = redirect_target(client.get("/notifications/"))

    assert path == "/login"
    assert query["next"] == ["/notifications/"]


def test_list_shows_notifications_newest_first(signed_in, user):
    for message in ("First news", "Second news", "Third news"):
        _notify(user.id, message)

    text = signed_in.get("/notifications/").get_data(as_text=True)

    positions = [text.index(m) for m in ("Third news", "Second news", "First news")]
    assert positions == sorted(positions)
    assert text.count("notification-unread") == 3


def test_list_shows_only_the_users_own_notifications(signed_in, user):
    _notify(make_user(email="oli@example.com").id, "Oli's secret")

    text = signed_in.get("/notifications/").get_data(as_text=True)

    assert "Oli&#39;s secret" not in text
    assert "Oli's secret" not in text


def test_empty_list_says_all_caught_up_with_a_link_to_the_shop(signed_in):
    text = signed_in.get("/notifications/").get_data(as_text=True)

    assert "You&#39;re all caught up" in text
    assert 'href="/"' in text


def test_open_marks_read_and_redirects_to_the_link(signed_in, user):
    notification_id = _notify(user.id, "Sample approved", link="/creator/samples")

    response = post_form(signed_in, f"/notifications/{notification_id}/open")

    assert redirect_target(response)[0] == "/creator/samples"
    assert _read_at(notification_id) is not None


def test_open_without_a_link_returns_to_the_list(signed_in, user):
    notification_id = _notify(user.id, "Just so you know")

    response = post_form(signed_in, f"/notifications/{notification_id}/open")

    assert redirect_target(response)[0] == "/notifications/"
    assert _read_at(notification_id) is not None


def test_opening_another_users_notification_gives_404(signed_in, app_ctx):
    notification_id = _notify(make_user(email="oli@example.com").id, "Oli's", link="/x")

    response = post_form(signed_in, f"/notifications/{notification_id}/open")

    assert response.status_code == 404
    assert _read_at(notification_id) is None


def test_read_all_marks_everything_read_and_returns_to_the_list(signed_in, user):
    ids = [_notify(user.id, f"News {i}") for i in range(2)]

    response = post_form(signed_in, "/notifications/read-all")

    assert redirect_target(response)[0] == "/notifications/"
    assert all(_read_at(i) is not None for i in ids)
    text = signed_in.get("/notifications/").get_data(as_text=True)
    assert "Marked 2 notifications as read." in text
    assert "notification-unread" not in text


def test_post_without_csrf_token_is_refused(signed_in, user):
    notification_id = _notify(user.id, "News")

    assert signed_in.post("/notifications/read-all").status_code == 400
    assert signed_in.post(f"/notifications/{notification_id}/open").status_code == 400
    assert _read_at(notification_id) is None


_BADGE = re.compile(r'notification-badge">(\d+)<span class="visually-hidden"> unread</span>')


def test_bell_badge_shows_the_unread_count_on_every_page(signed_in, user):
    for i in range(3):
        _notify(user.id, f"News {i}")

    text = signed_in.get("/account").get_data(as_text=True)

    assert 'href="/notifications/"' in text
    assert _BADGE.findall(text) == ["3"]


def test_bell_has_no_badge_when_nothing_is_unread(signed_in):
    text = signed_in.get("/account").get_data(as_text=True)

    assert ">Notifications</span>" in text
    assert "notification-badge" not in text


def test_list_page_query_count_does_not_grow_with_notifications(signed_in, user, count_queries):
    for i in range(3):
        _notify(user.id, f"News {i}")
    before = count_queries.count
    assert signed_in.get("/notifications/").status_code == 200
    with_three = count_queries.count - before

    for i in range(27):
        _notify(user.id, f"More news {i}")
    before = count_queries.count
    assert signed_in.get("/notifications/").status_code == 200
    with_thirty = count_queries.count - before

    assert with_thirty == with_three
