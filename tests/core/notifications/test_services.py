"""Notification services: storing notices safely, counting and listing them, marking them read."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.notifications import services
from core.notifications.models import Notification
from tests.factories import make_user


def _count(user_id: int | None = None) -> int:
    query = select(func.count(Notification.id))
    if user_id is not None:
        query = query.where(Notification.user_id == user_id)
    return db.session.scalar(query)


@pytest.fixture
def user(app_ctx):
    return make_user(email="nia@example.com")


@pytest.fixture
def other(app_ctx):
    return make_user(email="oli@example.com")


def test_notify_stores_and_flushes_without_committing(user):
    notification = services.notify(
        user.id, "Your sample was approved.", kind="sample.approved", link="/creator/samples"
    )

    assert notification.id is not None  # flushed: the row exists in this transaction
    stored = db.session.get(Notification, notification.id)
    assert (stored.user_id, stored.kind, stored.message, stored.link) == (
        user.id,
        "sample.approved",
        "Your sample was approved.",
        "/creator/samples",
    )
    assert stored.created_at is not None
    assert stored.read_at is None
    db.session.rollback()  # the caller owns the transaction: nothing was committed
    assert _count() == 0


def test_notify_trims_a_long_message_to_500_characters(user):
    notification = services.notify(user.id, "x" * 800, kind="plan.rate_cut")

    assert len(notification.message) == 500


@pytest.mark.parametrize(
    "link",
    [
        "//evil.example.com/steal",
        "http://x",
        "https://evil.example.com/",
        "/\\evil.example.com",
        "javascript:alert(1)",
        "creator/samples",
        "/line\nbreak",
        "/" + "a" * 300,
        "",
    ],
)
def test_notify_drops_a_link_that_leaves_the_site(user, link):
    notification = services.notify(user.id, "Look", kind="test", link=link)

    assert notification.link is None


def test_notify_keeps_a_local_path(user):
    notification = services.notify(user.id, "Look", kind="test", link="/creator/samples?page=2")

    assert notification.link == "/creator/samples?page=2"


def test_notify_many_dedups_users_in_one_bulk_insert(user, other, count_queries):
    user_id, other_id = user.id, other.id  # loaded now, so only the insert is counted
    before = count_queries.count

    created = services.notify_many(
        [user_id, other_id, user_id, other_id],
        "The plan ends on Friday.",
        kind="plan.ending",
        link="//evil",
    )

    assert count_queries.count - before == 1
    assert created == 2
    assert (_count(user_id), _count(other_id)) == (1, 1)
    links = db.session.scalars(select(Notification.link)).all()
    assert links == [None, None]


def test_notify_many_with_no_users_inserts_nothing(user, count_queries):
    before = count_queries.count

    assert services.notify_many([], "Nobody", kind="test") == 0
    assert count_queries.count == before


def test_unread_count_counts_only_the_users_unread_notices(user, other):
    first = services.notify(user.id, "One", kind="test")
    services.notify(user.id, "Two", kind="test")
    services.notify(other.id, "Not yours", kind="test")
    services.mark_read(user.id, first.id)

    assert services.unread_count(user.id) == 1
    assert services.unread_count(other.id) == 1


def test_recent_lists_the_users_notices_newest_first_by_page(user, other):
    for i in range(5):
        services.notify(user.id, f"Notice {i}", kind="test")
    services.notify(other.id, "Not yours", kind="test")

    page = services.recent(user.id, 2, per_page=2)

    assert [n.message for n in page.items] == ["Notice 2", "Notice 1"]
    assert (page.total, page.pages) == (5, 3)


def test_mark_read_changes_only_the_owners_notice(user, other):
    notification = services.notify(user.id, "Yours", kind="test")

    assert services.mark_read(other.id, notification.id) is None
    assert notification.read_at is None
    assert services.mark_read(user.id, notification.id) is notification
    assert notification.read_at is not None


def test_mark_read_keeps_the_first_read_time(user):
    notification = services.notify(user.id, "Yours", kind="test")
    first = services.mark_read(user.id, notification.id).read_at

    assert services.mark_read(user.id, notification.id).read_at == first


def test_mark_read_of_an_id_too_large_for_the_database_finds_nothing(user):
    assert services.mark_read(user.id, 2**64) is None


def test_mark_all_read_marks_only_the_users_unread_notices(user, other):
    services.notify_many([user.id, other.id], "Hello", kind="test")
    services.notify(user.id, "Again", kind="test")

    assert services.mark_all_read(user.id) == 2
    assert services.unread_count(user.id) == 0
    assert services.unread_count(other.id) == 1
    assert services.mark_all_read(user.id) == 0
