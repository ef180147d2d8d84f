"""The posting obligation: a creator who received a sample posts content with it in time.

Once the sample's free order is delivered the request owes a post (``PostState.DUE``) before
``post_deadline`` (delivery + ``SAMPLE_POSTING_DAYS``, 14 by default). ``sweep(now, days)``,
run by a periodic job and by ``flask orders run-clock``, does every step, each idempotent:

1. stamp the deadline on samples delivered since the last run (the creator is told);
2. mark ``POSTED`` the due samples whose creator posted content carrying the product between
   the approval and the deadline (asked of ``hooks.sample_figures()``);
3. remind the creator 3 days and 1 day before the deadline, each reminder once (a sample
   already inside the last day gets the 1-day reminder only);
4. mark ``NOT_POSTED`` the due samples past their deadline.

The seller may nudge a creator once per due sample. A creator's posting rate is the samples
posted in time over the samples whose obligation is settled (posted or not posted): a sample
still due counts in neither, and a creator with none settled has no rate yet (``None``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from affiliate.plans.exceptions import NotFound
from affiliate.plans.samples import hooks
from affiliate.plans.samples.exceptions import NudgeRefused
from affiliate.plans.samples.models import PostState, SampleRequest, SampleStatus
from core.accounts.models import User
from core.audit import services as audit
from core.extensions import db
from core.notifications.services import notify
from core.types import utcnow
from shop.catalog.models import Product, Store
from shop.orders.models import Order

DEFAULT_POSTING_DAYS = 14
REMINDER_DAYS = (3, 1)
NOTICE_KIND = "sample"
BPS = 10_000


@dataclass(frozen=True)
class PostingRate:
    """Samples posted in time over samples whose obligation is settled."""

    posted: int = 0
    settled: int = 0

    @property
    def bps(self) -> int | None:
        """The rate in basis points, rounded down (so a threshold is never met by rounding);
        ``None`` before any sample is settled."""
        return None if self.settled == 0 else self.posted * BPS // self.settled

    @property
    def label(self) -> str:
        if self.bps is None:
            return "no samples settled yet"
        return f"{format_rate(self.bps)} ({self.posted} of {self.settled})"


def format_rate(bps: int) -> str:
    """``5000`` → ``"50%"``, ``3333`` → ``"33.33%"``."""
    whole, part = divmod(bps, 100)
    return f"{whole}%" if part == 0 else f"{whole}.{part:02d}%"


def posting_rates(creator_ids: Iterable[int]) -> dict[int, PostingRate]:
    """Each creator's posting rate over every store's samples (one query)."""
    ids = sorted(set(creator_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(SampleRequest.creator_id, SampleRequest.post_state, func.count(SampleRequest.id))
        .where(
            SampleRequest.creator_id.in_(ids),
            SampleRequest.post_state.in_((PostState.POSTED.value, PostState.NOT_POSTED.value)),
        )
        .group_by(SampleRequest.creator_id, SampleRequest.post_state)
    )
    counts: dict[int, dict[str, int]] = {}
    for creator_id, state, count in rows:
        counts.setdefault(creator_id, {})[str(state)] = count
    rates = {}
    for creator_id in ids:
        got = counts.get(creator_id, {})
        posted = got.get(PostState.POSTED.value, 0)
        rates[creator_id] = PostingRate(posted, posted + got.get(PostState.NOT_POSTED.value, 0))
    return rates


def posting_rate(creator_id: int) -> PostingRate:
    return posting_rates([creator_id])[creator_id]


# ---------------------------------------------------------------------------------------------
# The sweep
# ---------------------------------------------------------------------------------------------


def _title(product_id: int, titles: dict[int, str]) -> str:
    return titles.get(product_id, "the product")


def _titles(samples: list[SampleRequest]) -> dict[int, str]:
    ids = sorted({s.product_id for s in samples})
    if not ids:
        return {}
    rows = db.session.execute(select(Product.id, Product.title).where(Product.id.in_(ids)))
    return dict(rows.all())


def _day(moment: datetime) -> str:
    return f"{moment:%d %b %Y}"


def stamp_deliveries(now: datetime, days: int) -> int:
    """Start the obligation of approved samples whose free order was delivered by ``now``."""
    rows = db.session.execute(
        select(SampleRequest, Order.delivered_at)
        .join(Order, Order.id == SampleRequest.order_id)
        .where(
            SampleRequest.status == SampleStatus.APPROVED.value,
            SampleRequest.post_state.is_(None),
            Order.delivered_at.is_not(None),
            Order.delivered_at <= now,
        )
        .order_by(SampleRequest.id)
    ).all()
    samples = [sample for sample, _ in rows]
    titles = _titles(samples)
    for sample, delivered_at in rows:
        assert delivered_at is not None  # the query asks for it
        deadline = delivered_at + timedelta(days=days)
        sample.delivered_at = delivered_at
        sample.post_deadline = deadline
        sample.post_state = PostState.DUE.value
        notify(
            sample.creator_id,
            f"Your sample of “{_title(sample.product_id, titles)}” was delivered: post content "
            f"with it by {_day(deadline)}.",
            kind=NOTICE_KIND,
            link="/creator/samples",
        )
    db.session.flush()
    return len(rows)


def _due() -> list[SampleRequest]:
    return list(
        db.session.scalars(
            select(SampleRequest)
            .where(SampleRequest.post_state == PostState.DUE.value)
            .order_by(SampleRequest.id)
        )
    )


def record_posts(now: datetime) -> int:
    """Mark posted the due samples whose creator posted the product between approval and the
    deadline (and by ``now``)."""
    due = _due()
    if not due:
        return 0
    since = min(s.decided_at or s.created_at for s in due)
    posts = hooks.sample_figures().post_times([(s.creator_id, s.product_id) for s in due], since)
    marked = 0
    for sample in due:
        start = sample.decided_at or sample.created_at
        assert sample.post_deadline is not None
        end = min(sample.post_deadline, now)
        first = next(
            (t for t in posts.get((sample.creator_id, sample.product_id), []) if start <= t <= end),
            None,
        )
        if first is not None:
            sample.post_state = PostState.POSTED.value
            sample.posted_at = first
            marked += 1
    db.session.flush()
    return marked


def send_reminders(now: datetime) -> int:
    """Remind creators 3 days and 1 day before their deadline: each reminder once."""
    due = [s for s in _due() if s.post_deadline is not None and s.post_deadline > now]
    titles = _titles(due)
    sent = 0
    for sample in due:
        assert sample.post_deadline is not None
        left = sample.post_deadline - now
        if left <= timedelta(days=1):
            if sample.reminded_1d_at is not None:
                continue
            sample.reminded_1d_at = now
            if sample.reminded_3d_at is None:
                sample.reminded_3d_at = now  # too late for it: the 1-day reminder says it all
            when = "tomorrow"
        elif left <= timedelta(days=3):
            if sample.reminded_3d_at is not None:
                continue
            sample.reminded_3d_at = now
            when = "in 3 days"
        else:
            continue
        notify(
            sample.creator_id,
            f"Reminder: post content with your sample of “{_title(sample.product_id, titles)}” "
            f"by {_day(sample.post_deadline)} ({when}).",
            kind=NOTICE_KIND,
            link="/creator/samples",
        )
        sent += 1
    db.session.flush()
    return sent


def expire(now: datetime) -> int:
    """Mark not posted the due samples whose deadline has passed."""
    late = [s for s in _due() if s.post_deadline is not None and s.post_deadline <= now]
    titles = _titles(late)
    for sample in late:
        sample.post_state = PostState.NOT_POSTED.value
        notify(
            sample.creator_id,
            f"The deadline to post about your sample of “{_title(sample.product_id, titles)}” "
            "passed without content; it lowers your posting rate.",
            kind=NOTICE_KIND,
            link="/creator/samples",
        )
    db.session.flush()
    return len(late)


@dataclass(frozen=True)
class SweepResult:
    delivered: int
    posted: int
    reminded: int
    not_posted: int

    def __str__(self) -> str:
        return (
            f"samples: {self.delivered} delivered, {self.posted} posted, "
            f"{self.reminded} reminder(s), {self.not_posted} not posted"
        )


def sweep(now: datetime | None = None, days: int = DEFAULT_POSTING_DAYS) -> SweepResult:
    """Every step of the obligation as of ``now``; the caller commits."""
    now = now or utcnow()
    return SweepResult(
        delivered=stamp_deliveries(now, days),
        posted=record_posts(now),
        reminded=send_reminders(now),
        not_posted=expire(now),
    )


# ---------------------------------------------------------------------------------------------
# The seller's nudge
# ---------------------------------------------------------------------------------------------


def nudge(seller: User, request_id: int, now: datetime | None = None) -> SampleRequest:
    """Remind the creator of a due post, once per sample."""
    sample = (
        db.session.scalar(
            select(SampleRequest)
            .join(Store, Store.id == SampleRequest.store_id)
            .where(SampleRequest.id == request_id, Store.owner_id == seller.id)
            .with_for_update(of=SampleRequest)
        )
        if 0 < request_id < 2**63
        else None
    )
    if sample is None:
        raise NotFound("That sample request does not exist.")
    if sample.post_state != PostState.DUE.value:
        raise NudgeRefused("Only a delivered sample whose post is still due can be nudged.")
    if sample.nudged_at is not None:
        raise NudgeRefused(f"You already nudged this creator on {_day(sample.nudged_at)}.")
    sample.nudged_at = now or utcnow()
    title = db.session.scalar(select(Product.title).where(Product.id == sample.product_id))
    assert sample.post_deadline is not None
    notify(
        sample.creator_id,
        f"The seller is looking forward to your content with “{title}”: post it by "
        f"{_day(sample.post_deadline)}.",
        kind=NOTICE_KIND,
        link="/creator/samples",
    )
    audit.record(
        actor_id=seller.id,
        action="sample.nudge",
        subject_type="sample_request",
        subject_id=sample.id,
    )
    db.session.flush()
    return sample
