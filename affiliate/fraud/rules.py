"""The fraud rules: each looks at one commission and says what it matched, or None.

Rules read; they never write (``services`` records flags and holds). Every threshold is a
setting (``Thresholds``, from ``FRAUD_*``). A finding's ``evidence`` is data for finance:
which address, card or tap matched, the counts and the window.

- **Self-purchase**: the buyer is the creator's own account; or the order ships to an address
  the creator uses (her address book, her own orders; compared by postcode and street line,
  ignoring case, spaces and punctuation); or the card that paid has the fingerprint of a card
  she paid with herself.
- **Brushing**: many small orders from one buyer through one creator in a window; most of one
  buyer's orders through her refunded soon after payment; an order placed within seconds of
  the tap that attributed it.
- **Sample abuse**: she received a sample from the store and let its posting deadline pass
  without a post: her new commissions from that store are held.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from affiliate.creators.attribution.commissions import CREATOR_CODE
from affiliate.creators.attribution.models import Commission
from affiliate.fraud.models import FraudRule
from affiliate.plans.samples.models import PostState, SampleRequest
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product
from shop.orders.checkout.models import Address
from shop.orders.models import Order, OrderLine
from shop.orders.refunds.models import RefundRequest, RefundStatus
from shop.payments.models import Payment, PaymentStatus


@dataclass(frozen=True)
class Thresholds:
    """The rules' settings (``FRAUD_*``); see the README."""

    brushing_min_orders: int = 5
    brushing_max_amount: int = 1500
    brushing_window_hours: int = 24
    quick_refund_min_orders: int = 3
    quick_refund_share_percent: int = 50
    quick_refund_hours: int = 48
    quick_refund_lookback_days: int = 30
    tap_to_order_seconds: int = 5
    sample_abuse_days: int = 90

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Thresholds:
        defaults = cls()
        return cls(
            **{
                name: int(config.get(f"FRAUD_{name.upper()}", getattr(defaults, name)))
                for name in cls.__dataclass_fields__
            }
        )


@dataclass(frozen=True)
class Finding:
    rule: FraudRule
    evidence: dict[str, Any] = field(default_factory=dict)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


# ---------------------------------------------------------------------------- addresses

_STREET_WORDS = {
    "st": "street",
    "str": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "blvd": "boulevard",
    "ln": "lane",
    "dr": "drive",
    "ct": "court",
    "pl": "place",
    "sq": "square",
    "apt": "apartment",
    "no": "number",
}
_PUNCTUATION = re.compile(r"[^\w\s]|_", re.UNICODE)


def normalise_street(text: str) -> str:
    """A street line compared loosely: case, punctuation, spaces and common abbreviations."""
    words = _PUNCTUATION.sub(" ", text.casefold()).split()
    return " ".join(_STREET_WORDS.get(word, word) for word in words)


def normalise_postcode(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


AddressKey = tuple[str, str]  # (postcode, street line), normalised


def address_key(postcode: str, street: str) -> AddressKey | None:
    key = (normalise_postcode(postcode), normalise_street(street))
    return key if all(key) else None


def ship_to_key(ship_to: str, book: Iterable[Address] = ()) -> AddressKey | None:
    """The key of an order's one-line address: from the address-book entry it was written
    from when there is one, else read from the line (``name, line1, …, postcode, country``)."""
    for address in book:
        if address.one_line() == ship_to:
            return address_key(address.postal_code, address.line1)
    parts = [part.strip() for part in ship_to.split(",")]
    if len(parts) < 4:
        return None
    return address_key(parts[-2], parts[1])


def _book(user_id: int) -> list[Address]:
    return list(db.session.scalars(select(Address).where(Address.user_id == user_id)))


def _creator_addresses(creator_id: int, order_id: int) -> dict[AddressKey, str]:
    """The addresses the creator uses, by key, each with where it was seen."""
    book = _book(creator_id)
    seen: dict[AddressKey, str] = {}
    for address in book:
        key = address_key(address.postal_code, address.line1)
        if key:
            seen.setdefault(key, "her address book")
    own_orders = db.session.execute(
        select(Order.id, Order.ship_to)
        .where(Order.buyer_id == creator_id, Order.id != order_id)
        .order_by(Order.id.desc())
        .limit(200)
    )
    for other_id, ship_to in own_orders:
        key = ship_to_key(ship_to, book)
        if key:
            seen.setdefault(key, f"her own order #{other_id}")
    return seen


# ---------------------------------------------------------------------------- self-purchase


def self_purchase(commission: Commission, order: Order) -> Finding | None:
    """The buyer's account, the shipping address or the paying card is the creator's."""
    rule = FraudRule.SELF_PURCHASE
    if order.buyer_id == commission.creator_id:
        return Finding(rule, {"match": "account", "buyer_id": order.buyer_id})
    key = ship_to_key(order.ship_to, _book(order.buyer_id))
    if key is not None:
        where = _creator_addresses(commission.creator_id, order.id).get(key)
        if where is not None:
            return Finding(
                rule,
                {"match": "address", "postcode": key[0], "street": key[1], "seen_in": where},
            )
    payment = db.session.get(Payment, order.payment_id) if order.payment_id else None
    if payment is not None and payment.card_fingerprint:
        hers = db.session.scalar(
            select(Payment.id)
            .where(
                Payment.buyer_id == commission.creator_id,
                Payment.card_fingerprint == payment.card_fingerprint,
                Payment.status == PaymentStatus.SUCCEEDED.value,
                Payment.id != payment.id,
            )
            .order_by(Payment.id)
            .limit(1)
        )
        if hers is not None:
            return Finding(
                rule,
                {
                    "match": "card",
                    "fingerprint_end": payment.card_fingerprint[-6:],
                    "her_payment_id": hers,
                },
            )
    return None


# ---------------------------------------------------------------------------- brushing


def _orders_through(creator_id: int, buyer_id: int, since: datetime) -> Any:
    return (
        select(Order.id)
        .join(Commission, Commission.order_id == Order.id)
        .where(
            Commission.creator_id == creator_id,
            Order.buyer_id == buyer_id,
            Commission.created_at >= since,
        )
    )


def brushing(
    commission: Commission, order: Order, limits: Thresholds, now: datetime
) -> Finding | None:
    """At least N small orders (this one too) from this buyer through this creator in the
    window."""
    if order.buyer_id == commission.creator_id or order.total > limits.brushing_max_amount:
        return None
    since = now - timedelta(hours=limits.brushing_window_hours)
    small = _orders_through(commission.creator_id, order.buyer_id, since).where(
        Order.total <= limits.brushing_max_amount
    )
    ids = sorted(set(db.session.scalars(small)) | {order.id})
    if len(ids) < limits.brushing_min_orders:
        return None
    return Finding(
        FraudRule.BRUSHING,
        {
            "buyer_id": order.buyer_id,
            "orders": len(ids),
            "order_ids": ids[-20:],
            "window_hours": limits.brushing_window_hours,
            "max_amount": limits.brushing_max_amount,
            "currency": order.currency,
        },
    )


def quick_refunds(
    commission: Commission, order: Order, limits: Thresholds, now: datetime
) -> Finding | None:
    """Of this buyer's orders through this creator in the look-back, at least N, and at least
    the share of them refunded within hours of payment."""
    if order.buyer_id == commission.creator_id:
        return None
    since = now - timedelta(days=limits.quick_refund_lookback_days)
    orders = list(
        db.session.execute(
            select(Order.id, Order.paid_at)
            .where(Order.id.in_(_orders_through(commission.creator_id, order.buyer_id, since)))
            .order_by(Order.id)
        )
    )
    if len(orders) < limits.quick_refund_min_orders:
        return None
    asked = db.session.execute(
        select(RefundRequest.order_id, func.min(RefundRequest.created_at))
        .where(
            RefundRequest.order_id.in_([order_id for order_id, _ in orders]),
            RefundRequest.status.in_([RefundStatus.APPROVED.value, RefundStatus.REFUNDED.value]),
        )
        .group_by(RefundRequest.order_id)
    )
    first_refund = {order_id: _aware(at) for order_id, at in asked}
    within = timedelta(hours=limits.quick_refund_hours)
    quick = sorted(
        order_id
        for order_id, paid_at in orders
        if paid_at is not None
        and order_id in first_refund
        and first_refund[order_id] - _aware(paid_at) <= within
    )
    if not quick or len(quick) * 100 < limits.quick_refund_share_percent * len(orders):
        return None
    return Finding(
        FraudRule.QUICK_REFUNDS,
        {
            "buyer_id": order.buyer_id,
            "orders": len(orders),
            "refunded_quickly": len(quick),
            "refunded_order_ids": quick[-20:],
            "within_hours": limits.quick_refund_hours,
            "lookback_days": limits.quick_refund_lookback_days,
        },
    )


def tap_to_order(
    commission: Commission, order: Order, line: OrderLine, limits: Thresholds
) -> Finding | None:
    """The order was placed within seconds of the tap on the creator's content that
    attributed the line (the touch lives in the buyer's session: the same device)."""
    if limits.tap_to_order_seconds <= 0 or line.attributed_at is None:
        return None
    if line.content_type == CREATOR_CODE or line.content_id is None:
        return None  # a code is "touched" when the order is placed: no tap to time
    seconds = (_aware(order.placed_at) - _aware(line.attributed_at)).total_seconds()
    if not 0 <= seconds <= limits.tap_to_order_seconds:
        return None
    return Finding(
        FraudRule.TAP_TO_ORDER,
        {
            "seconds": round(seconds, 1),
            "limit_seconds": limits.tap_to_order_seconds,
            "content_type": line.content_type,
            "content_id": line.content_id,
        },
    )


# ---------------------------------------------------------------------------- samples


def sample_abuse(commission: Commission, limits: Thresholds, now: datetime) -> Finding | None:
    """She let a sample of this store pass its posting deadline without a post (within the
    last N days), and this commission was earned after that deadline."""
    earned = _aware(commission.created_at)
    recent = now - timedelta(days=limits.sample_abuse_days)
    missed = db.session.execute(
        select(SampleRequest.id, SampleRequest.post_deadline, Product.title)
        .join(Product, Product.id == SampleRequest.product_id)
        .where(
            SampleRequest.creator_id == commission.creator_id,
            SampleRequest.store_id == commission.store_id,
            SampleRequest.post_deadline.is_not(None),
            SampleRequest.post_deadline < earned,
            SampleRequest.post_deadline >= recent,
            or_(
                SampleRequest.post_state == PostState.NOT_POSTED.value,
                SampleRequest.post_state == PostState.DUE.value,
            ),
        )
        .order_by(SampleRequest.post_deadline)
        .limit(1)
    ).first()
    if missed is None:
        return None
    sample_id, deadline, title = missed
    return Finding(
        FraudRule.SAMPLE_ABUSE,
        {
            "sample_id": sample_id,
            "product": title,
            "deadline": _aware(deadline).isoformat(timespec="minutes") if deadline else "",
            "hold_days": limits.sample_abuse_days,
        },
    )


def at_earning(
    commission: Commission, order: Order, line: OrderLine, limits: Thresholds, now: datetime
) -> list[Finding]:
    """Every rule, on a commission just earned."""
    found = [
        self_purchase(commission, order),
        brushing(commission, order, limits, now),
        quick_refunds(commission, order, limits, now),
        tap_to_order(commission, order, line, limits),
        sample_abuse(commission, limits, now),
    ]
    return [finding for finding in found if finding is not None]


def later(commission: Commission, order: Order, limits: Thresholds, now: datetime) -> list[Finding]:
    """The rules whose facts come after earning (refunds, missed sample deadlines)."""
    found = [quick_refunds(commission, order, limits, now), sample_abuse(commission, limits, now)]
    return [finding for finding in found if finding is not None]
