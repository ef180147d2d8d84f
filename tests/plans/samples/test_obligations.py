"""The posting obligation: deadline from delivery, posts in time, reminders 3 days and 1 day
before (each once), not posted past the deadline, one nudge, and the posting rate's math.

Every step takes ``now`` (an injected clock), so each test runs the sweep at chosen moments
relative to the delivery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from affiliate.plans.exceptions import NotFound
from affiliate.plans.samples import obligations
from affiliate.plans.samples.exceptions import NudgeRefused
from affiliate.plans.samples.models import PostState, SampleRequest
from affiliate.plans.samples.obligations import PostingRate, format_rate
from core.extensions import db
from core.notifications.models import Notification
from core.types import utcnow
from tests.creators.factories import make_video
from tests.plans.helpers_samples import Samples, ask, make_world
from tests.plans.samples.helpers import add_rule, deliver, other_seller

DAY = timedelta(days=1)


def _notices(user_id: int, text: str) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.message.contains(text)
            )
        )
        or 0
    )


def _delivered(world: Samples) -> tuple[SampleRequest, object]:
    add_rule(world, min_followers=0)
    sample = ask(world)
    delivered_at = utcnow() - timedelta(hours=1)
    deliver(sample, world, delivered_at)
    return sample, delivered_at


def _sweep(at) -> obligations.SweepResult:  # type: ignore[no-untyped-def]
    result = obligations.sweep(at, 14)
    db.session.commit()
    return result


def test_delivery_starts_a_deadline_of_14_days_and_tells_the_creator(app_ctx) -> None:
    world = make_world()
    sample, delivered_at = _delivered(world)
    assert _sweep(utcnow()).delivered == 1
    assert sample.post_state == PostState.DUE.value
    assert sample.delivered_at == delivered_at
    assert sample.post_deadline == delivered_at + 14 * DAY
    assert _notices(world.creator.id, "was delivered: post content") == 1


def test_an_undelivered_sample_owes_nothing_yet(app_ctx) -> None:
    world = make_world()
    add_rule(world, min_followers=0)
    sample = ask(world)
    assert _sweep(utcnow() + 30 * DAY).delivered == 0
    assert sample.post_state is None


def test_reminders_go_3_days_and_1_day_before_each_exactly_once(app_ctx) -> None:
    world = make_world()
    sample, delivered_at = _delivered(world)
    deadline = delivered_at + 14 * DAY
    _sweep(utcnow())
    assert _sweep(deadline - 3 * DAY - timedelta(minutes=1)).reminded == 0
    assert _sweep(deadline - 3 * DAY).reminded == 1
    assert _sweep(deadline - 2 * DAY).reminded == 0  # the 3-day one went already
    assert _sweep(deadline - DAY).reminded == 1
    assert _sweep(deadline - timedelta(hours=2)).reminded == 0
    assert _notices(world.creator.id, "(in 3 days)") == 1
    assert _notices(world.creator.id, "(tomorrow)") == 1
    assert sample.reminded_3d_at == deadline - 3 * DAY
    assert sample.reminded_1d_at == deadline - DAY


def test_a_sweep_inside_the_last_day_sends_only_the_1_day_reminder(app_ctx) -> None:
    world = make_world()
    _, delivered_at = _delivered(world)
    deadline = delivered_at + 14 * DAY
    _sweep(utcnow())
    assert _sweep(deadline - timedelta(hours=5)).reminded == 1
    assert _sweep(deadline - timedelta(hours=4)).reminded == 0
    assert _notices(world.creator.id, "Reminder") == 1


def test_past_the_deadline_without_content_the_sample_is_not_posted(app_ctx) -> None:
    world = make_world()
    sample, delivered_at = _delivered(world)
    deadline = delivered_at + 14 * DAY
    _sweep(utcnow())
    assert _sweep(deadline - timedelta(seconds=1)).not_posted == 0
    assert _sweep(deadline).not_posted == 1
    assert sample.post_state == PostState.NOT_POSTED.value
    assert _sweep(deadline + DAY).not_posted == 0  # once
    assert obligations.posting_rate(world.creator.id) == PostingRate(posted=0, settled=1)


def test_content_with_the_product_before_the_deadline_marks_it_posted(app_ctx) -> None:
    world = make_world()
    sample, delivered_at = _delivered(world)
    _sweep(utcnow())
    video = make_video(world.creator.id, [world.product], created_at=utcnow())
    assert _sweep(utcnow()).posted == 1
    assert sample.post_state == PostState.POSTED.value
    assert sample.posted_at == video.created_at
    assert _sweep(delivered_at + 20 * DAY).not_posted == 0
    assert obligations.posting_rate(world.creator.id) == PostingRate(posted=1, settled=1)


def test_content_after_the_deadline_does_not_count(app_ctx) -> None:
    world = make_world()
    sample, delivered_at = _delivered(world)
    deadline = delivered_at + 14 * DAY
    _sweep(utcnow())
    make_video(world.creator.id, [world.product], created_at=deadline + timedelta(minutes=1))
    result = _sweep(deadline + DAY)
    assert (result.posted, result.not_posted) == (0, 1)
    assert sample.post_state == PostState.NOT_POSTED.value


def test_content_with_another_product_does_not_count(app_ctx) -> None:
    world = make_world()
    sample, _ = _delivered(world)
    _sweep(utcnow())
    make_video(world.creator.id, [world.other_product], created_at=utcnow())
    assert _sweep(utcnow()).posted == 0
    assert sample.post_state == PostState.DUE.value


def test_the_seller_may_nudge_once(app_ctx) -> None:
    world = make_world()
    sample, _ = _delivered(world)
    _sweep(utcnow())
    obligations.nudge(world.seller, sample.id)
    db.session.commit()
    assert _notices(world.creator.id, "looking forward to your content") == 1
    with pytest.raises(NudgeRefused, match="already nudged"):
        obligations.nudge(world.seller, sample.id)


def test_a_sample_that_owes_no_post_cannot_be_nudged(app_ctx) -> None:
    world = make_world()
    add_rule(world, min_followers=0)
    sample = ask(world)  # approved, not delivered
    with pytest.raises(NudgeRefused):
        obligations.nudge(world.seller, sample.id)


def test_another_seller_cannot_nudge(app_ctx) -> None:
    world = make_world()
    sample, _ = _delivered(world)
    _sweep(utcnow())
    olga, _, _ = other_seller()
    with pytest.raises(NotFound):
        obligations.nudge(olga, sample.id)


@pytest.mark.parametrize(
    ("posted", "settled", "bps", "label"),
    [
        (0, 0, None, "no samples settled yet"),
        (1, 3, 3333, "33.33% (1 of 3)"),
        (2, 3, 6666, "66.66% (2 of 3)"),
        (3, 3, 10_000, "100% (3 of 3)"),
        (1, 2, 5000, "50% (1 of 2)"),
    ],
)
def test_posting_rate_is_posted_in_time_over_settled_rounded_down(
    posted: int, settled: int, bps: int | None, label: str
) -> None:
    rate = PostingRate(posted, settled)
    assert rate.bps == bps
    assert rate.label == label


def test_format_rate_shows_hundredths_only_when_needed() -> None:
    assert (format_rate(5000), format_rate(3333), format_rate(5), format_rate(0)) == (
        "50%",
        "33.33%",
        "0.05%",
        "0%",
    )
