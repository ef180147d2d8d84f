"""The payout job through real Redis and a real RQ worker (skipped without ``REDIS_URL``):
approval queues one job on the ``payouts`` queue; transient errors are retried by RQ."""

from __future__ import annotations

import pytest
from rq import Retry

from affiliate.payouts import services, transitions
from core.extensions import db
from core.jobs import jobs, make_worker
from tests.conftest import worker_redis_url
from tests.payouts.helpers import balances, make_creator, officer, reload, token, transfers

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not worker_redis_url(), reason="needs Redis: set REDIS_URL (CI does)"),
]


def _approved(last4: str = "6789") -> int:
    creator = make_creator(balance=20_000, last4=last4)
    w = services.request_withdrawal(creator.id, 10_000, request_token=token())
    db.session.commit()
    services.approve(w.id, officer())
    db.session.commit()
    return w.id


def _work() -> bool:
    db.session.commit()
    return make_worker(["payouts"]).work(burst=True)


def test_approval_queues_one_job_that_a_real_worker_pays(redis_app):
    with redis_app.app_context():
        withdrawal_id = _approved()
        assert jobs.queue("payouts").count == 1
        assert reload(withdrawal_id).status == "approved"

        assert _work() is True

        paid = reload(withdrawal_id)
        assert paid.status == "paid"
        assert jobs.queue("payouts").count == 0
        assert balances(paid.creator_id)["clearing"] == 9_800
        assert len(transfers()) == 1


def test_rq_retries_a_transient_error_with_the_same_key(redis_app, monkeypatch):
    monkeypatch.setattr(transitions, "payout_retry_policy", lambda: Retry(max=2))
    with redis_app.app_context():
        withdrawal_id = _approved(last4="0003")  # unreachable on the first call

        _work()

        assert reload(withdrawal_id).status == "paid"
        (made,) = transfers()
        assert (made.status, made.calls) == ("paid", 2)


def test_when_rq_gives_up_the_money_stays_held_for_finance(redis_app, monkeypatch):
    monkeypatch.setattr(transitions, "payout_retry_policy", lambda: Retry(max=1))
    with redis_app.app_context():
        withdrawal_id = _approved(last4="0004")  # never answers

        _work()

        failed = reload(withdrawal_id)
        assert (failed.status, failed.funds_held, failed.provider_calls) == ("failed", True, 2)
        assert balances(failed.creator_id)["held"] == 10_000
