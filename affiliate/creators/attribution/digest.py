"""The weekly mail that tells each creator what commission settled last week."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from affiliate.creators.attribution.models import Commission, CommissionState
from core.extensions import db
from core.jobs import PeriodicJob, job
from core.mail.models import MailCategory
from core.mail.services import absolute_url, user_mail
from core.money import format_money
from core.types import utcnow

SEND_DIGESTS = PeriodicJob(
    "affiliate.creators.attribution.digest.send_commission_digests",
    cron="0 8 * * 1",
    description="mail each creator the commission settled last week (Mondays 08:00 UTC)",
)


def last_week(now: datetime) -> tuple[datetime, datetime]:
    """Monday 00:00 UTC of last week, and of this week."""
    this_monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return this_monday - timedelta(days=7), this_monday


def mail_digests(now: datetime | None = None) -> int:
    """Queue one digest per creator whose commission settled last week; once per week, so a
    second run (a retried job) mails nobody twice. Return how many were queued."""
    start, end = last_week(now or utcnow())
    year, week, _ = start.isocalendar()
    rows = db.session.execute(
        select(
            Commission.creator_id,
            Commission.currency,
            func.count(Commission.id),
            func.sum(Commission.amount - Commission.reversed_amount),
        )
        .where(
            Commission.state == CommissionState.SETTLED.value,
            Commission.settled_at >= start,
            Commission.settled_at < end,
        )
        .group_by(Commission.creator_id, Commission.currency)
        .order_by(Commission.creator_id, Commission.currency)
    ).all()
    by_creator: dict[int, list[tuple[str, str]]] = {}
    for creator_id, currency, count, total in rows:
        label = f"{count} sale{'s' if count != 1 else ''} ({currency})"
        by_creator.setdefault(creator_id, []).append((label, format_money(total or 0, currency)))
    queued = 0
    for creator_id, details in by_creator.items():
        mail = user_mail(
            creator_id,
            "commission_digest",
            event_key=f"commission-digest:{year}-W{week:02d}:{creator_id}",
            category=MailCategory.EARNINGS,
            subject=f"Your settled commission, week of {start:%d %b %Y}",
            paragraphs=[
                f"Commission that settled between {start:%d %b} and "
                f"{end - timedelta(days=1):%d %b %Y} is now in your available balance."
            ],
            details=details,
            button_label="Open my wallet",
            button_url=absolute_url("/creator/wallet"),
        )
        queued += mail is not None
    return queued


@job
def send_commission_digests() -> int:
    """Periodic: queue last week's commission digests."""
    return mail_digests()
