"""Refunds on their way back to the card: requested → sent → succeeded | failed, through the
outbox, retried under one idempotency key, failures in finance's queue."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from core.jobs.outbox import OutboxMessage, relay_due
from core.ledger.models import LedgerEntry
from core.states import IllegalTransition
from core.types import utcnow
from shop.orders import jobs, lifecycle
from shop.orders.models import Order, OrderStatus
from shop.orders.refunds import provider as refunds
from shop.orders.refunds.models import RefundRequest
from shop.payments.base import ProviderError, ProviderRefund, ProviderUnavailable
from shop.payments.models import Payment, PaymentStatus
from tests.conftest import csrf_token
from tests.factories import make_user
from tests.shop.factories import Shop
from tests.shop.orders.helpers import signed_in


class FakeProvider:
    """A provider that answers refunds as it is told, and remembers each call."""

    def __init__(self, *answers: ProviderRefund | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, int, str]] = []

    def refund(self, ref: str, amount: int, *, idempotency_key: str) -> ProviderRefund:
        self.calls.append((ref, amount, idempotency_key))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def finance(app_ctx):
    return make_user(Role.FINANCE, email="finance@example.com")


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch):
    fake = FakeProvider(ProviderRefund("re_1", "succeeded"))
    monkeypatch.setattr(refunds, "get_provider", lambda name: fake)
    return fake


def fresh(refund: RefundRequest) -> RefundRequest:
    db.session.expire_all()
    return db.session.get(RefundRequest, refund.id)


def cancel_paid(shop: Shop, provider: str = "stripe") -> RefundRequest:
    order = shop.paid((1, 0), provider=provider)
    refund = lifecycle.cancel(order, shop.seller, "Out of stock")
    assert refund is not None
    return refund


def run_job(refund: RefundRequest) -> str:
    """Run the job as a worker would, once the test's transaction has ended."""
    refund_id = refund.id
    db.session.commit()
    return jobs.refund_payment(refund_id)


def test_refund_reaches_the_provider_after_commit_under_an_installation_key(app_ctx, provider):
    refund = cancel_paid(Shop(price=1000))
    db.session.flush()
    assert provider.calls == []  # not before the commit
    db.session.commit()
    assert len(provider.calls) == 1
    _ref, amount, key = provider.calls[0]
    assert amount == 1000
    assert key.endswith(f"-refund-{refund.id}-0")
    assert key.startswith(app_ctx.config.get("IDEMPOTENCY_KEY_PREFIX") or "yc")
    refund = fresh(refund)
    assert refund.provider_state == "succeeded"
    assert refund.provider_refund_id == "re_1"
    assert refund.idempotency_key == key


def test_a_refund_rolled_back_leaves_no_job(app_ctx, provider):
    cancel_paid(Shop())
    db.session.rollback()
    db.session.commit()
    assert provider.calls == []
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_a_repeated_job_never_sends_a_refund_twice(app_ctx, provider):
    refund = cancel_paid(Shop())
    db.session.commit()
    assert run_job(refund) == "already succeeded"
    assert len(provider.calls) == 1


def test_a_pending_refund_is_sent_until_the_webhook_confirms_it(app_ctx, provider):
    provider.answers = [ProviderRefund("re_pending", "pending")]
    refund = cancel_paid(Shop())
    db.session.commit()
    assert fresh(refund).provider_state == "sent"
    assert refunds.state_label(fresh(refund)) == "Refund sent to the card"
    refunds.record_provider_outcome("re_pending", "succeeded", None)
    db.session.commit()
    assert fresh(refund).provider_state == "succeeded"
    refunds.record_provider_outcome("re_pending", "failed", "late noise")  # a stale event
    db.session.commit()
    assert fresh(refund).provider_state == "succeeded"


def test_a_webhook_for_an_unknown_refund_changes_nothing(app_ctx):
    assert refunds.record_provider_outcome("re_nobody", "succeeded", None) is None


def test_a_transient_error_is_retried_under_the_same_key(app_ctx, provider):
    provider.answers = [ProviderUnavailable("down"), ProviderRefund("re_2", "succeeded")]
    refund = cancel_paid(Shop())
    db.session.commit()
    refund = fresh(refund)
    assert refund.provider_state == "requested"
    assert refund.provider_error == "down"
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.handed_over_at is None
    assert message.attempts == 1
    assert message.due_at > utcnow()  # backed off
    db.session.commit()
    relay_due(now=utcnow() + timedelta(hours=1))
    refund = fresh(refund)
    assert refund.provider_state == "succeeded"
    assert [call[2] for call in provider.calls] == [refund.idempotency_key] * 2
    assert fresh(refund).provider_attempts == 2


def test_retries_that_run_out_put_the_refund_in_finances_queue(app_ctx, provider):
    provider.answers = [ProviderUnavailable("still down")]
    refund = cancel_paid(Shop())
    db.session.commit()
    for hours in range(1, refunds.MAX_ATTEMPTS + 2):
        db.session.commit()
        relay_due(now=utcnow() + timedelta(hours=hours * 2))
    refund = fresh(refund)
    assert refund.provider_state == "failed"
    assert len(provider.calls) == refunds.MAX_ATTEMPTS
    assert refunds.needing_attention() == [refund]
    assert "delayed" in refunds.state_label(refund).lower()


def test_a_permanent_refusal_fails_at_once_and_tells_the_timeline(app_ctx, provider):
    provider.answers = [ProviderError("charge already refunded")]
    refund = cancel_paid(Shop())
    db.session.commit()
    refund = fresh(refund)
    assert refund.provider_state == "failed"
    assert refund.provider_error == "charge already refunded"
    assert len(provider.calls) == 1
    kinds = [event.kind for event in refund.order.events]
    assert "refund_delayed" in kinds


def test_finance_retry_sends_a_failed_refund_under_a_new_key(app_ctx, provider, finance):
    provider.answers = [ProviderError("card expired"), ProviderRefund("re_3", "succeeded")]
    refund = cancel_paid(Shop())
    db.session.commit()
    first_key = fresh(refund).idempotency_key
    refunds.retry(fresh(refund), finance)
    db.session.commit()
    refund = fresh(refund)
    assert refund.provider_state == "succeeded"
    assert refund.idempotency_key != first_key
    assert [call[2] for call in provider.calls] == [first_key, refund.idempotency_key]


def test_only_a_failed_refund_can_be_retried(app_ctx, provider, finance):
    refund = cancel_paid(Shop())
    db.session.commit()
    with pytest.raises(IllegalTransition):
        refunds.retry(fresh(refund), finance)


def test_a_refund_without_a_payment_has_nothing_to_send(app_ctx, provider):
    shop = Shop()
    order = shop.paid()
    refund = lifecycle.cancel(order, shop.seller, "Out of stock")
    order.payment_id = None
    db.session.commit()
    db.session.delete(db.session.scalars(select(Payment)).one())
    refund = fresh(refund)
    refund.provider_state = "requested"
    assert run_job(refund) in {"no-payment", "already succeeded"}
    assert jobs.refund_payment(10**9) == "skipped"


def test_the_built_in_test_provider_refunds_at_once(app_ctx):
    refund = cancel_paid(Shop(), provider="test")
    db.session.commit()
    assert fresh(refund).provider_state == "succeeded"


def test_a_late_payment_is_returned_whole_and_never_booked(app_ctx, provider):
    shop = Shop(price=1500)
    order = shop.place((1, 0))
    payment = Payment(
        buyer_id=order.buyer_id,
        provider="stripe",
        provider_ref="pi_late",
        amount=order.total,
        currency=order.currency,
        status=PaymentStatus.SUCCEEDED.value,
    )
    db.session.add(payment)
    db.session.flush()
    order.payment_id = payment.id
    db.session.flush()
    lifecycle.cancel(order, None, "Not paid in time")
    entries_before = db.session.scalar(select(func.count(LedgerEntry.id)))
    db.session.refresh(payment)
    made = refunds.refund_late_payment(payment)
    assert [r.amount for r in made] == [1500]
    assert refunds.refund_late_payment(payment) == []  # a repeated webhook opens nothing more
    db.session.commit()
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == entries_before
    refund = fresh(made[0])
    assert refund.late_payment is True
    assert refund.provider_state == "succeeded"
    assert provider.calls == [("pi_late", 1500, refund.idempotency_key)]
    assert refunds.late_payment_refunds() == [refund]
    assert db.session.get(Order, order.id).status == OrderStatus.CANCELLED.value


# --- what finance, the buyer and the seller see ----------------------------------------------


def failed_refund(provider: FakeProvider) -> RefundRequest:
    provider.answers = [ProviderError("card expired"), ProviderRefund("re_9", "succeeded")]
    shop = Shop(email="seller-refunds@example.com")
    refund = cancel_paid(shop)
    db.session.commit()
    return fresh(refund)


def test_finance_sees_a_failed_refund_and_retries_it(app, app_ctx, provider, finance):
    refund = failed_refund(provider)
    client = signed_in(app, finance.email)
    page = client.get("/finance/refunds")
    assert page.status_code == 200
    assert f"Retry refund #{refund.id}" in page.text
    assert "card expired" in page.text
    token = csrf_token(client, "/finance/refunds")
    answer = client.post(f"/finance/refunds/{refund.id}/retry", data={"csrf_token": token})
    assert answer.status_code == 302
    assert fresh(refund).provider_state == "succeeded"
    assert "Nothing needs you" in client.get("/finance/refunds").text


def test_a_refund_retried_twice_answers_409_the_second_time(app, app_ctx, provider, finance):
    refund = failed_refund(provider)
    client = signed_in(app, finance.email)
    token = csrf_token(client, "/finance/refunds")
    url = f"/finance/refunds/{refund.id}/retry"
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    assert client.post(url, data={"csrf_token": token}).status_code == 409
    assert len(provider.calls) == 2


def test_a_retry_without_its_form_token_changes_nothing(app, app_ctx, provider, finance):
    refund = failed_refund(provider)
    client = signed_in(app, finance.email)
    assert client.post(f"/finance/refunds/{refund.id}/retry").status_code == 400
    assert fresh(refund).provider_state == "failed"


@pytest.mark.parametrize("role", [Role.SELLER, Role.BUYER, Role.CREATOR])
def test_only_finance_opens_the_refund_desk(app, app_ctx, provider, role):
    refund = failed_refund(provider)
    someone = make_user(role, email=f"{role.value}-desk@example.com")
    client = signed_in(app, someone.email)
    assert client.get("/finance/refunds").status_code == 403
    assert client.post(f"/finance/refunds/{refund.id}/retry").status_code in {400, 403}
    assert fresh(refund).provider_state == "failed"


def test_retrying_an_unknown_refund_is_404(app, app_ctx, finance):
    client = signed_in(app, finance.email)
    token = csrf_token(client, "/finance/refunds")
    answer = client.post("/finance/refunds/999999/retry", data={"csrf_token": token})
    assert answer.status_code == 404


def test_the_buyer_reads_where_the_refund_is(app, app_ctx, provider):
    provider.answers = [ProviderRefund("re_p", "pending")]
    shop = Shop()
    refund = cancel_paid(shop)
    db.session.commit()
    refund = fresh(refund)
    client = signed_in(app, shop.buyer.email)
    assert "Refund sent to the card" in client.get(f"/orders/{refund.order_id}").text
    refunds.record_provider_outcome("re_p", "succeeded", None)
    db.session.commit()
    assert "Refunded to the card" in client.get(f"/orders/{refund.order_id}").text


def test_the_seller_reads_a_delayed_refund(app, app_ctx, provider):
    refund = failed_refund(provider)
    client = signed_in(app, "seller-refunds@example.com")
    page = client.get(f"/seller/orders/{refund.order_id}")
    assert page.status_code == 200
    assert "Refund delayed" in page.text


def test_the_refund_desk_is_part_of_the_finance_section_of_the_menu(app, app_ctx, finance):
    client = signed_in(app, finance.email)
    page = client.get("/finance/refunds").text
    active = re.findall(r'class="nav-link active"[^>]*>\s*([^<]+)</a>', page)
    assert active == ["Finance"]
