"""Rolling events up into daily figures: complete content totals, product shares, idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from affiliate.creators.attribution import jobs, tracking
from affiliate.creators.attribution.models import ContentDailyStat, EventKind, RollupCursor
from affiliate.creators.content.models import Content
from core.accounts.models import Role
from core.extensions import db
from core.jobs import periodic_jobs
from tests.clock import today_at
from tests.creators.factories import make_content
from tests.factories import make_user
from tests.shop.factories import make_product

# Long settled (the roll-up may leave the newest events for a later run): yesterday at 00:30,
# and 90 minutes before it, on the UTC day before.
DAY_TWO = today_at(0, 30) - timedelta(days=1)
DAY_ONE = DAY_TWO - timedelta(minutes=90)


@pytest.fixture
def content(app_ctx):
    creator = make_user(Role.CREATOR)
    return make_content(creator, [make_product(), make_product()])


def record(content, kind, *, visitor="v1", at=DAY_ONE, product=None, amount=0):
    tracking.record_event(
        kind,
        content.id,
        content.creator_id,
        visitor=visitor,
        at=at,
        product_id=product,
        amount=amount,
    )


def stats() -> dict[tuple[date, int], tuple[int, ...]]:
    rows = db.session.scalars(select(ContentDailyStat)).all()
    return {
        (r.day, r.product_id): (r.views, r.cart_opens, r.clicks, r.add_to_carts, r.orders, r.gmv)
        for r in rows
    }


def a_day_of_events(content) -> tuple[int, int]:
    first, second = (p.product_id for p in content.products)
    for visitor in ("a", "b", "c"):
        record(content, EventKind.VIEW, visitor=visitor)
    record(content, EventKind.CART_OPEN, visitor="a")
    record(content, EventKind.CLICK, visitor="a", product=first)
    record(content, EventKind.CLICK, visitor="b", product=first)
    record(content, EventKind.CLICK, visitor="b", product=second)
    record(content, EventKind.ADD_TO_CART, visitor="a", product=first)
    record(content, EventKind.ORDER, visitor="a", product=first, amount=3998)
    record(content, EventKind.VIEW, visitor="a", at=DAY_TWO)
    record(content, EventKind.ORDER, visitor="b", product=second, at=DAY_TWO, amount=1500)
    db.session.commit()
    return first, second


def test_roll_up_folds_events_per_day_content_and_product(content):
    first, second = a_day_of_events(content)
    assert tracking.roll_up() == 11
    d1, d2 = DAY_ONE.date(), DAY_TWO.date()
    # (views, cart opens, clicks, add-to-carts, orders, gmv)
    assert stats() == {
        (d1, 0): (3, 1, 3, 1, 1, 3998),  # the content's complete totals
        (d1, first): (0, 0, 2, 1, 1, 3998),
        (d1, second): (0, 0, 1, 0, 0, 0),
        (d2, 0): (1, 0, 0, 0, 1, 1500),
        (d2, second): (0, 0, 0, 0, 1, 1500),
    }
    rows = db.session.scalars(select(ContentDailyStat)).all()
    assert {row.creator_id for row in rows} == {content.creator_id}


def test_roll_up_bumps_the_content_counters_and_moves_the_cursor(content):
    a_day_of_events(content)
    tracking.roll_up()
    fresh = db.session.get(Content, content.id, populate_existing=True)
    assert (fresh.view_count, fresh.click_count) == (4, 3)
    cursor = db.session.get(RollupCursor, tracking.CURSOR_NAME)
    assert cursor.last_id == tracking.cursor_position() > 0


def test_running_twice_adds_nothing(content):
    a_day_of_events(content)
    assert tracking.roll_up() == 11
    before = stats()
    assert tracking.roll_up() == 0
    assert stats() == before
    assert db.session.get(Content, content.id, populate_existing=True).view_count == 4


def test_later_events_are_added_to_the_existing_rows(content):
    a_day_of_events(content)
    tracking.roll_up()
    record(content, EventKind.VIEW, visitor="d")
    record(content, EventKind.ORDER, visitor="d", product=content.products[0].product_id, amount=2)
    db.session.commit()
    assert tracking.roll_up() == 2
    assert stats()[(DAY_ONE.date(), 0)] == (4, 1, 3, 1, 2, 4000)


def test_a_limit_folds_in_batches_without_losing_any(content):
    a_day_of_events(content)
    assert [tracking.roll_up(limit=4) for _ in range(4)] == [4, 4, 3, 0]
    assert stats()[(DAY_ONE.date(), 0)] == (3, 1, 3, 1, 1, 3998)


def test_events_younger_than_the_settle_time_wait_in_the_tail(content):
    now = datetime.now(UTC)
    record(content, EventKind.VIEW, visitor="old", at=now - timedelta(minutes=5))
    record(content, EventKind.VIEW, visitor="new", at=now)
    record(content, EventKind.VIEW, visitor="older-but-later", at=now - timedelta(hours=1))
    db.session.commit()
    # Only the prefix of the tail older than the settle time is folded, so the cursor never
    # jumps over an event that might still be committing.
    assert tracking.roll_up(settle_seconds=60) == 1
    assert tracking.roll_up(settle_seconds=0) == 2


def test_the_cursor_row_is_created_on_first_use(app_ctx):
    assert db.session.get(RollupCursor, tracking.CURSOR_NAME) is None
    assert tracking.roll_up() == 0
    assert db.session.get(RollupCursor, tracking.CURSOR_NAME).last_id == 0


def test_roll_up_costs_the_same_statements_for_few_or_many_events(content, count_queries):
    def statements(n: int) -> int:
        for i in range(n):
            record(content, EventKind.VIEW, visitor=f"x{n}-{i}")
        db.session.commit()
        before = count_queries.count
        tracking.roll_up()
        return count_queries.count - before

    assert statements(2) == statements(40) <= 8


def test_the_job_rolls_up_every_minute(content):
    a_day_of_events(content)
    assert jobs.roll_up_events() == 11
    assert stats()[(DAY_TWO.date(), 0)] == (1, 0, 0, 0, 1, 1500)
    periodic = {job.func_path: job for job in periodic_jobs()}
    assert periodic["affiliate.creators.attribution.jobs.roll_up_events"].interval == 60


def test_roll_up_commits_what_it_folded(content):
    a_day_of_events(content)
    assert tracking.roll_up() == 11
    db.session.rollback()
    assert stats()[(DAY_ONE.date(), 0)] == (3, 1, 3, 1, 1, 3998)
    assert tracking.cursor_position() > 0
