"""Redis down: every committed action answers without a 5xx and its job waits in the outbox;
once Redis is back, each job runs exactly once.

The first half points an app at a Redis that is not there (runs everywhere). The second half
(``REDIS_URL`` set, as in CI) relays the waiting rows to a real Redis and a real worker.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from affiliate.payouts import services
from core.accounts.models import Role
from core.extensions import db
from core.jobs import jobs, make_worker
from core.jobs.outbox import OutboxMessage, relay_due
from core.types import utcnow
from shop.orders import lifecycle
from shop.orders.refunds import requests as refund_requests
from shop.orders.refunds.models import RefundRequest
from tests.conftest import Auth, make_test_app, post_form, worker_redis_url
from tests.factories import make_user
from tests.payouts.helpers import make_creator, reload, token, transfers
from tests.shop.factories import Shop
from tests.two_factor import step_up

DEAD_REDIS = "redis://127.0.0.1:1/0"
needs_redis = pytest.mark.skipif(
    not worker_redis_url(), reason="needs Redis: set REDIS_URL (CI does)"
)


def _app(database, **overrides) -> Iterator[Flask]:
    other = make_test_app(database.url, **overrides)
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()
        jobs.connection.close()


@pytest.fixture
def dead_redis_app(app: Flask, database) -> Iterator[Flask]:
    """An app on the test database whose Redis (queue and limiter) does not answer."""
    yield from _app(database, REDIS_URL=DEAD_REDIS, RATELIMIT_STORAGE_URI=DEAD_REDIS)
    # The limiter is one extension for every app: the last app built sets its storage.
    restored = make_test_app(database.url)
    with restored.app_context():
        db.engine.dispose()


@pytest.fixture
def live_redis_app(app: Flask, database) -> Iterator[Flask]:
    """The same database once Redis is back: a real Redis and a real worker."""
    yield from _app(database, REDIS_URL=worker_redis_url())


#: The mail jobs: sending a mail, and queueing a user's mail after its cause committed.
MAIL_JOBS = ("core.mail.jobs.send_mail", "core.mail.jobs.queue_user_mail")


def _due(*, with_mail: bool = False) -> int:
    """Jobs still waiting to be handed over (the mails that the same actions send aside,
    unless ``with_mail``)."""
    db.session.expire_all()
    query = select(func.count(OutboxMessage.id)).where(OutboxMessage.handed_over_at.is_(None))
    if not with_mail:
        query = query.where(OutboxMessage.func_path.not_in(MAIL_JOBS))
    return db.session.scalar(query)


def _officer_client(app: Flask, email: str):
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    step_up(client, email)  # approvals above the four-eyes threshold ask for a fresh code
    return client


def _requested(creator_balance: int, amount: int) -> int:
    creator = make_creator(balance=creator_balance)
    w = services.request_withdrawal(creator.id, amount, request_token=token())
    db.session.commit()
    return w.id


def test_signing_in_works_while_redis_is_down(dead_redis_app):
    with dead_redis_app.app_context():
        user = make_user(Role.BUYER, email="outage-buyer@example.com")
        db.session.commit()
        client = dead_redis_app.test_client()
        assert Auth(client).login(user.email).status_code == 302
        wrong = client.post("/login", data={"email": user.email, "password": "nope"})
        assert wrong.status_code < 500


def test_approving_while_redis_is_down_answers_and_keeps_the_job(dead_redis_app):
    with dead_redis_app.app_context():
        fin = make_user(Role.FINANCE, email="outage-fin@example.com")
        withdrawal_id = _requested(20_000, 10_000)
        client = _officer_client(dead_redis_app, fin.email)
        response = post_form(client, f"/finance/withdrawals/{withdrawal_id}/approve")
        assert response.status_code == 302
        assert client.get(response.headers["Location"]).status_code == 200
        assert reload(withdrawal_id).status == "approved"
        assert _due() == 1


def test_the_second_four_eyes_approval_while_redis_is_down(dead_redis_app):
    with dead_redis_app.app_context():
        first = make_user(Role.FINANCE, email="outage-first@example.com")
        second = make_user(Role.FINANCE, email="outage-second@example.com")
        withdrawal_id = _requested(300_000, 150_000)  # above the four-eyes threshold
        url = f"/finance/withdrawals/{withdrawal_id}/approve"
        assert post_form(_officer_client(dead_redis_app, first.email), url).status_code == 302
        assert reload(withdrawal_id).status == "requested"
        assert post_form(_officer_client(dead_redis_app, second.email), url).status_code == 302
        assert reload(withdrawal_id).status == "approved"
        assert _due() == 1


def test_bulk_approval_while_redis_is_down(dead_redis_app):
    with dead_redis_app.app_context():
        fin = make_user(Role.FINANCE, email="outage-bulk@example.com")
        ids = [_requested(20_000, 10_000) for _ in range(3)]
        client = _officer_client(dead_redis_app, fin.email)
        response = post_form(
            client, "/finance/withdrawals/approve-selected", {"ids": [str(i) for i in ids]}
        )
        assert response.status_code == 302
        assert [reload(i).status for i in ids] == ["approved"] * 3
        assert _due() == 3


def test_a_seller_approves_a_refund_while_redis_is_down(dead_redis_app):
    with dead_redis_app.app_context():
        shop = Shop(email="outage-seller@example.com")
        order = shop.paid((1, 0))
        lifecycle.ship(order, "UPS", "1Z999", shop.seller)
        lifecycle.mark_delivered(order, shop.buyer)
        refund = refund_requests.request_refund(order, order.lines[0], "Broken", shop.buyer)
        db.session.commit()
        order_id, refund_id = order.id, refund.id
        client = _officer_client(dead_redis_app, shop.seller.email)
        response = post_form(client, f"/seller/orders/{order_id}/refunds/{refund_id}/approve")
        assert response.status_code == 302
        db.session.expire_all()
        refund = db.session.get(RefundRequest, refund_id)
        assert refund.status == "refunded"
        assert refund.provider_state == "requested"
        assert _due() == 1


@needs_redis
def test_once_redis_is_back_each_committed_job_runs_exactly_once(dead_redis_app, live_redis_app):
    with dead_redis_app.app_context():
        fin = make_user(Role.FINANCE, email="outage-back@example.com")
        ids = [_requested(20_000, 10_000) for _ in range(2)]
        client = _officer_client(dead_redis_app, fin.email)
        for withdrawal_id in ids:
            post_form(client, f"/finance/withdrawals/{withdrawal_id}/approve")
        assert _due() == 2
        relay_due()  # Redis still down: nothing is lost, nothing handed over
        assert _due() == 2

    with live_redis_app.app_context():
        later = utcnow().replace(year=utcnow().year + 1)  # past any back-off
        waiting = _due(with_mail=True)  # the two payouts and the mails the approvals send
        assert waiting >= 2
        assert relay_due(now=later).handed_over == waiting
        assert _due() == 0
        assert relay_due(now=later).handed_over == 0  # handed over once
        db.session.commit()
        make_worker().work(burst=True)
        assert [reload(i).status for i in ids] == ["paid", "paid"]
        assert len(transfers()) == 2
        make_worker().work(burst=True)  # nothing more to do
        assert len(transfers()) == 2


@needs_redis
def test_the_worker_relays_the_outbox_when_it_starts(dead_redis_app, live_redis_app):
    with dead_redis_app.app_context():
        fin = make_user(Role.FINANCE, email="outage-worker@example.com")
        withdrawal_id = _requested(20_000, 10_000)
        client = _officer_client(dead_redis_app, fin.email)
        post_form(client, f"/finance/withdrawals/{withdrawal_id}/approve")
        message = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.func_path.not_in(MAIL_JOBS))
        ).one()
        message.due_at = utcnow()  # its back-off is over
        db.session.commit()

    with live_redis_app.app_context():
        make_worker().work(burst=True)  # relays at start, then runs what it queued
        assert reload(withdrawal_id).status == "paid"
        assert _due() == 0
