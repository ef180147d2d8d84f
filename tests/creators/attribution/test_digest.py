"""The weekly digest of settled commission: last week's only, once per creator and week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from affiliate.creators.attribution import digest
from affiliate.creators.attribution.models import CommissionState
from core.accounts.models import Role
from core.extensions import db
from core.jobs import periodic_jobs
from tests.creators.factories import make_commission
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

# A Wednesday; the digest run is the following Monday.
WEDNESDAY = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
NEXT_MONDAY = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


def settled(creator, product, at: datetime, quantity: int = 1):
    commission = make_commission(creator, product, state=CommissionState.SETTLED, quantity=quantity)
    commission.settled_at = at
    db.session.commit()
    return commission


def test_last_week_runs_from_monday_to_monday():
    assert digest.last_week(NEXT_MONDAY) == (
        datetime(2026, 3, 2, tzinfo=UTC),
        datetime(2026, 3, 9, tzinfo=UTC),
    )


def test_each_creator_gets_last_weeks_settled_commission(app_ctx, mailbox):
    creator = make_user(Role.CREATOR, email="cleo@example.com")
    product = make_product(make_store(), price=5000)
    settled(creator, product, WEDNESDAY)
    settled(creator, product, WEDNESDAY + timedelta(days=1))
    settled(creator, product, WEDNESDAY - timedelta(days=7))  # the week before: not in it
    assert digest.mail_digests(NEXT_MONDAY) == 1
    db.session.commit()
    mail = mailbox.last("cleo@example.com")
    assert mail.subject == "Your settled commission, week of 02 Mar 2026"
    assert "2 sales (USD): $10.00" in mail.text
    assert "/mail/unsubscribe/" in mail.text


def test_the_digest_is_sent_once_per_week(app_ctx, mailbox):
    creator = make_user(Role.CREATOR, email="cleo@example.com")
    settled(creator, make_product(make_store()), WEDNESDAY)
    digest.mail_digests(NEXT_MONDAY)
    db.session.commit()
    assert digest.mail_digests(NEXT_MONDAY + timedelta(hours=3)) == 0
    db.session.commit()
    assert len(mailbox.to("cleo@example.com")) == 1


def test_a_creator_with_nothing_settled_gets_no_digest(app_ctx, mailbox):
    creator = make_user(Role.CREATOR, email="cleo@example.com")
    make_commission(creator, make_product(make_store()))  # pending: not settled
    assert digest.mail_digests(NEXT_MONDAY) == 0


def test_the_digest_is_a_weekly_periodic_job(app):
    jobs = {job.func_path: job for job in periodic_jobs(app)}
    assert jobs[digest.SEND_DIGESTS.func_path].cron == "0 8 * * 1"
