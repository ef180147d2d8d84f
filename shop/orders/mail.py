"""Mail about orders: to the buyer (placed, paid, shipped, refunds) and the seller (a new
order to ship, a refund request). Each is queued in the caller's transaction, once per event."""

from __future__ import annotations

from core.mail.models import MailCategory
from core.mail.services import absolute_url, user_mail
from core.money import format_money
from shop.orders.models import Order
from shop.orders.refunds.models import RefundRequest


def _lines(order: Order) -> list[tuple[str, str]]:
    rows = [
        (f"{line.quantity} × {line.item_label}", format_money(line.amount, order.currency))
        for line in order.lines
    ]
    return [*rows, ("Total", format_money(order.total, order.currency))]


def _buyer(order: Order, kind: str, subject: str, paragraphs: list[str], **extra: object) -> None:
    user_mail(
        order.buyer_id,
        f"order_{kind}",
        event_key=f"order-{kind}:{order.id}",
        category=MailCategory.ORDERS,
        subject=subject,
        paragraphs=paragraphs,
        button_label="See your order",
        button_url=absolute_url(f"/orders/{order.id}"),
        **extra,
    )


def order_placed(order: Order) -> None:
    pay_by = f" Please pay by {order.pay_by:%d %b %Y, %H:%M} UTC." if order.pay_by else ""
    _buyer(
        order,
        "placed",
        f"Order #{order.id} placed at {order.store.name}",
        [f"Thank you! Your order at {order.store.name} is placed.{pay_by}"],
        details=_lines(order),
    )


def order_paid(order: Order) -> None:
    _buyer(
        order,
        "paid",
        f"Order #{order.id} is paid",
        [
            f"We received your payment of {format_money(order.total, order.currency)}. "
            f"{order.store.name} now prepares your order; we will mail you when it ships."
        ],
        details=_lines(order),
    )
    user_mail(
        order.store.owner_id,
        "seller_new_order",
        event_key=f"seller-new-order:{order.id}",
        category=MailCategory.SELLER_ORDERS,
        subject=f"New order #{order.id} to ship",
        paragraphs=[f"Order #{order.id} is paid and waits for you to ship it."],
        details=[*_lines(order), ("Ship to", order.ship_to)],
        button_label="Ship the order",
        button_url=absolute_url(f"/seller/orders/{order.id}"),
    )


def order_shipped(order: Order) -> None:
    _buyer(
        order,
        "shipped",
        f"Order #{order.id} has shipped",
        [f"Good news: {order.store.name} shipped your order."],
        details=[
            ("Carrier", order.carrier or ""),
            ("Tracking number", order.tracking_number or ""),
            ("Ship to", order.ship_to),
        ],
    )


def _refund_label(refund: RefundRequest) -> str:
    return refund.line.item_label if refund.line is not None else "your order"


def refund_requested(refund: RefundRequest) -> None:
    order = refund.order
    money = format_money(refund.amount, order.currency)
    _buyer(
        order,
        f"refund-requested-{refund.id}",
        f"Refund requested for order #{order.id}",
        [
            f"We passed your request for {money} back on {_refund_label(refund)} to "
            f"{order.store.name}. We will mail you their answer."
        ],
    )
    user_mail(
        order.store.owner_id,
        "seller_refund_requested",
        event_key=f"seller-refund-requested:{refund.id}",
        category=MailCategory.SELLER_ORDERS,
        subject=f"Refund requested on order #{order.id}",
        paragraphs=[
            f"The buyer asks for {money} back on {_refund_label(refund)}.",
            f"Their reason: {refund.reason}",
        ],
        button_label="Answer the request",
        button_url=absolute_url(f"/seller/orders/{order.id}"),
    )


def refund_decided(refund: RefundRequest) -> None:
    order = refund.order
    money = format_money(refund.amount, order.currency)
    if refund.status == "refunded":
        subject = f"Refund approved for order #{order.id}"
        text = f"{order.store.name} approved your refund of {money} for {_refund_label(refund)}."
        more = "The money is on its way back to your card; we will mail you when it arrives."
    else:
        subject = f"Refund declined for order #{order.id}"
        text = f"{order.store.name} declined your refund for {_refund_label(refund)}."
        more = f"Their reason: {refund.decision_note or 'none given'}"
    _buyer(order, f"refund-{refund.status}-{refund.id}", subject, [text, more])


def refund_at_provider(refund: RefundRequest, state: str) -> None:
    """The card processor returned the money (``succeeded``) or could not yet (``failed``)."""
    order = refund.order
    money = format_money(refund.amount, order.currency)
    if state == "succeeded":
        subject = f"Your refund of {money} is on your card"
        text = f"The card processor returned {money} for order #{order.id} to your card."
    elif state == "failed":
        subject = f"Your refund for order #{order.id} is delayed"
        text = (
            f"The card processor could not return {money} yet. Our team is on it; "
            "you do not need to do anything."
        )
    else:
        return
    _buyer(order, f"refund-provider-{state}-{refund.id}", subject, [text])
