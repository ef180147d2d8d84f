"""Two creators accepting at once cannot hold more than the seller's balance (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from affiliate.creators.flatfees.exceptions import SellerBalanceShort
from affiliate.creators.flatfees.models import FlatFeeHold
from affiliate.plans import memberships
from core.accounts.models import Role
from core.extensions import db
from core.ledger.checks import check_ledger
from tests.creators.flatfees.helpers import balances, invite, offer, world
from tests.factories import make_user


def _in_threads(app, count: int, work) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[index] = work(index)
                db.session.commit()
            except Exception as error:  # the outcome is what the test reads
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
def test_racing_acceptances_cannot_overdraw_the_seller_balance(app, app_ctx, postgres_only):
    w = world(balance=25_000)  # room for one creator's 3 × $50, not two
    offer(w, amount=5_000, pieces=3)
    creators = [w.creator, make_user(Role.CREATOR), make_user(Role.CREATOR)]
    invited = [(m.id, m.creator_id) for m in (invite(w, c) for c in creators)]
    seller_id = w.seller.id
    db.session.commit()

    results = _in_threads(
        app,
        len(invited),
        lambda i: memberships.respond_to_invitation(invited[i][0], invited[i][1], accept=True).id,
    )

    accepted = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, SellerBalanceShort)]
    assert (len(accepted), len(refused)) == (1, 2), results
    assert db.session.scalar(select(func.count(FlatFeeHold.id))) == 1
    assert balances(seller_id)["seller_receivable"] == 10_000
    assert balances(seller_id)["seller_held"] == 15_000
    assert check_ledger().ok
