"""A creator's claim of a missing commission: the order she names (by number), the product
and her content. The order must be paid, the product on it, and a plan of hers must have covered
that product when the order was placed; the line must have earned no commission yet. Nothing
moves until finance upholds it (``decisions``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from affiliate.creators.attribution.commissions import commission_terms, terms_of
from affiliate.creators.attribution.models import Commission
from affiliate.creators.content.models import Content
from affiliate.disputes.exceptions import CaseAlreadyOpen, ClaimInvalid
from affiliate.disputes.inputs import clean_body, clean_links, clean_reason
from affiliate.disputes.models import Dispute, DisputeKind, DisputeState
from affiliate.disputes.services import PAID_STATES, open_case
from core.extensions import db
from core.money import percent_of
from core.types import utcnow
from shop.hooks import CommissionTerms
from shop.orders.models import LineStatus, Order, OrderLine, OrderStatus


def claim_terms(order: Order, line: OrderLine, creator_id: int) -> CommissionTerms | None:
    """What the line would have earned the creator: its snapshot when it was attributed to
    her, else the commission rule as of the order's placement."""
    if line.creator_id == creator_id and line.commission_rate_bps:
        return terms_of(order, line)
    return commission_terms(creator_id, [line.product_id], order.placed_at).get(line.product_id)


def _claimable_line(order: Order, product_id: int, creator_id: int) -> OrderLine:
    lines = [line for line in order.lines if line.product_id == product_id]
    commissioned = set(
        db.session.scalars(select(Commission.order_line_id).where(Commission.order_id == order.id))
    )
    open_cases = set(
        db.session.scalars(
            select(Dispute.order_line_id).where(
                Dispute.order_id == order.id, Dispute.state == DisputeState.OPEN.value
            )
        )
    )
    free = [line for line in lines if line.id not in commissioned]
    if not free:
        raise ClaimInvalid(
            "Every line of that product on this order already has a commission.",
            field="product_id",
        )
    free = [line for line in free if line.status == LineStatus.OPEN.value]
    if not free:
        raise ClaimInvalid("That product was refunded or cancelled on this order.")
    waiting = [line for line in free if line.id not in open_cases]
    if not waiting:
        raise CaseAlreadyOpen("A claim about that product on this order is already open.")
    return waiting[0]


def open_missing_claim(
    *,
    creator_id: int,
    order_id: int | None,
    product_id: int | None,
    content_id: int | None,
    reason: str,
    evidence: str = "",
    links: str | Iterable[str] = "",
    now: datetime | None = None,
) -> Dispute:
    """The creator claims the commission a paid line should have earned her."""
    now = now or utcnow()
    reason, evidence, link_list = clean_reason(reason), clean_body(evidence), clean_links(links)
    content = db.session.get(Content, content_id) if content_id else None
    if content is None or content.creator_id != creator_id:
        raise ClaimInvalid("Choose one of your videos or lives.", field="content_id")
    order = db.session.get(Order, order_id) if order_id and 0 < order_id < 2**63 else None
    line = next((x for x in order.lines if x.product_id == product_id), None) if order else None
    # One answer for "no such order" and "not from a store whose plan you are in": a
    # creator cannot learn anything about another store's orders by guessing numbers.
    if order is None or line is None or claim_terms(order, line, creator_id) is None:
        raise ClaimInvalid(
            f"No order #{order_id or '?'} with that product from a store whose plan covered "
            "it for you when it was placed.",
            field="order_number",
        )
    if OrderStatus(order.status) not in PAID_STATES:
        raise ClaimInvalid(
            f"Order #{order.id} is not a paid order (it is {order.status.replace('_', ' ')}).",
            field="order_number",
        )
    if order.buyer_id == creator_id:
        raise ClaimInvalid("Your own purchases earn no commission.", field="order_number")
    line = _claimable_line(order, line.product_id, creator_id)
    terms = claim_terms(order, line, creator_id)
    assert terms is not None
    return open_case(
        DisputeKind.MISSING_COMMISSION,
        order=order,
        line=line,
        creator_id=creator_id,
        opened_by_id=creator_id,
        amount=percent_of(line.amount, terms.rate_bps),
        reason=reason,
        evidence=evidence,
        links=link_list,
        now=now,
        content_id=content.id,
    )
