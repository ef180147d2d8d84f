"""PostgreSQL: two officers deciding the same case at the same moment: one decision wins, the
other finds the case closed, and one entry is posted (the case row is locked first)."""

from __future__ import annotations

import threading

import pytest

from affiliate.disputes import decisions, services
from core.accounts.models import Role
from core.extensions import db
from core.ledger.models import EntryKind
from tests.disputes.conftest import count_entries
from tests.factories import make_user


def _at_once(app, calls) -> list[object]:
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[index] = calls[index]().state
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
def test_two_officers_deciding_at_once_post_one_entry(app, earned, planned, postgres_only):
    _order, (first, _second) = earned
    dispute = services.open_seller_contest(first.id, seller_id=planned.seller.id, reason="Fraud")
    a, b = make_user(Role.FINANCE).id, make_user(Role.FINANCE).id
    db.session.commit()
    case_id = dispute.id  # read here: the threads must not touch this session's objects

    def decide(officer_id: int, uphold: bool):
        return lambda: decisions.decide(
            case_id, officer_id=officer_id, uphold=uphold, reason="Decided"
        )

    results = _at_once(app, [decide(a, True), decide(b, False)])

    states = [r for r in results if isinstance(r, str)]
    refusals = [r for r in results if not isinstance(r, str)]
    assert len(states) == 1
    assert len(refusals) == 1
    assert "is upheld" in str(refusals[0]) or "is rejected" in str(refusals[0])
    db.session.expire_all()
    upheld = states[0] == "upheld"
    assert count_entries(EntryKind.COMMISSION_REVERSED.value) == (1 if upheld else 0)
