"""The overdue sweep tells finance once about a case past its deadline and never decides it;
``flask orders run-clock`` runs it too, and a contested commission does not settle there."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from affiliate.disputes import jobs, services
from core.extensions import db
from core.notifications.models import Notification
from core.types import utcnow
from tests.creators.attribution.test_commissions import deliver


def _open_case(planned, commission):
    dispute = services.open_seller_contest(
        commission.id, seller_id=planned.seller.id, reason="Fraud"
    )
    db.session.commit()
    return dispute


def _overdue_notices(officer) -> int:
    query = select(func.count(Notification.id)).where(
        Notification.user_id == officer.id, Notification.message.contains("overdue")
    )
    return db.session.scalar(query) or 0


def test_an_overdue_case_is_told_to_finance_once_and_not_decided(earned, planned, officer):
    _order, (first, _second) = earned
    dispute = _open_case(planned, first)
    assert jobs.notify_overdue(utcnow()) == 0  # not due yet
    later = dispute.answer_by + timedelta(minutes=1)
    assert jobs.notify_overdue(later) == 1
    db.session.commit()
    assert jobs.notify_overdue(later + timedelta(days=1)) == 0
    db.session.commit()
    assert _overdue_notices(officer) == 1
    assert (dispute.state, first.held) == ("open", True)
    assert dispute.overdue(later)
    assert [e.kind for e in dispute.events] == ["opened", "overdue"]


def test_the_order_clock_leaves_a_contested_commission_pending_and_sweeps_overdue_cases(
    app, earned, planned, officer
):
    order, (first, second) = earned
    deliver(order)
    _open_case(planned, first)
    result = app.test_cli_runner().invoke(args=["orders", "run-clock", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "disputes: 1 overdue case(s) told to finance" in result.output
    db.session.expire_all()
    assert (first.state, second.state) == ("pending", "settled")
    assert _overdue_notices(officer) == 1
