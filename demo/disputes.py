"""Demo disputes (``flask demo seed``): one case open, one decided, so that both sides and the
finance desk show something.

- **Open**: Sam (seller@example.com) contests a pending commission that Cleo
  (creator@example.com) earned on his store: a demo fan bought through her video and paid; the
  order has not shipped. The commission is on hold; finance@example.com sees the case on the
  desk, Cleo under Creator centre → Disputes.
- **Decided**: the fan bought another of the products Cleo promotes without tapping her video;
  Cleo claims the missing commission, finance upholds it: the commission is created at the rate
  that applied and posted to her pending balance (one entry), settling with the order.

Idempotent: each case is made once (found again by its reason).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

import demo.payouts  # noqa: F401 - the fan and the officers come first
from affiliate.creators.attribution.models import Commission
from affiliate.creators.content.models import Content
from affiliate.disputes import claims, decisions, services
from affiliate.disputes.models import Dispute
from core.accounts import services as accounts
from core.accounts.models import Role, User
from core.extensions import db
from core.types import utcnow
from demo.payouts import STOCK_LEFT_ALONE, _earning_products, demo_fan
from shop.catalog.models import Product, Store, Variant
from shop.orders import cart as carts
from shop.orders.cart import Attribution
from shop.orders.checkout import services as checkout
from shop.orders.models import Order
from shop.payments import services as payments

CONTEST_REASON = "Ten orders from one address in an hour: looks like brushing."
CLAIM_REASON = "The buyer told me in my comments she bought it after my unboxing video."
CLAIM_ANSWER = "The buyer's message and the timing match; paid at your plan's rate."


def _paid_order(fan: User, content: Content, product_id: int, *, tapped: bool) -> Order | None:
    variant = db.session.scalar(
        select(Variant)
        .where(
            Variant.product_id == product_id,
            Variant.active.is_(True),
            Variant.stock > STOCK_LEFT_ALONE,
        )
        .order_by(Variant.stock.desc(), Variant.id)
    )
    if variant is None:
        return None
    cart = carts.get_or_create_cart(user_id=fan.id)
    touch = (
        Attribution(content.creator_id, content.kind, content.id, utcnow() - timedelta(minutes=3))
        if tapped
        else None
    )
    carts.add_to_cart(cart, variant, 1, touch)
    payment = checkout.place_orders(fan.id, cart, checkout.addresses_of(fan.id)[0], provider="test")
    orders = payments.mark_payment_succeeded(payment.id, f"demo-dispute-{payment.id}")
    db.session.flush()
    return orders[0] if orders else None


def _store_owner(product_id: int) -> int | None:
    return db.session.scalar(
        select(Store.owner_id)
        .join(Product, Product.store_id == Store.id)
        .where(Product.id == product_id)
    )


def seed_disputes() -> str:
    """One open seller contest and one upheld creator claim, both about Cleo."""
    cleo = accounts.find_by_email("creator@example.com")
    officer = accounts.find_by_email("finance@example.com")
    if cleo is None or officer is None or not cleo.has_role(Role.CREATOR):
        return "disputes: skipped (no demo creator or officer)"
    known = set(db.session.scalars(select(Dispute.reason).where(Dispute.creator_id == cleo.id)))
    products = _earning_products(cleo.id)
    if not products:
        return "disputes: skipped (Cleo promotes nothing that earns)"
    fan = demo_fan()
    made = []
    seller = accounts.find_by_email("seller@example.com")
    if CONTEST_REASON not in known:
        # Sam's product if Cleo promotes one (he is the demo seller), else any.
        sams = [row for row in products if seller and _store_owner(row[1]) == seller.id]
        content, product_id, _ = (sams or products)[0]
        order = _paid_order(fan, content, product_id, tapped=True)
        commission = _commission_of(order, cleo.id)
        if order is not None and commission is not None:
            services.open_seller_contest(
                commission.id,
                seller_id=order.store.owner_id,
                reason=CONTEST_REASON,
                evidence="Same shipping address as three other orders through this video.",
                links="https://example.com/demo/orders-export.csv",
            )
            db.session.commit()
            made.append("an open seller contest")
    if CLAIM_REASON not in known:
        content, product_id, _ = products[-1]
        order = _paid_order(fan, content, product_id, tapped=False)
        if order is not None:
            dispute = claims.open_missing_claim(
                creator_id=cleo.id,
                order_id=order.id,
                product_id=product_id,
                content_id=content.id,
                reason=CLAIM_REASON,
                evidence="Screenshot of her comment, posted an hour before the order.",
                links="https://example.com/demo/comment.png",
            )
            db.session.commit()
            decisions.decide(dispute.id, officer_id=officer.id, uphold=True, reason=CLAIM_ANSWER)
            db.session.commit()
            made.append("an upheld creator claim")
    return f"disputes: {', '.join(made) if made else 'already there'}"


def _commission_of(order: Order | None, creator_id: int) -> Commission | None:
    if order is None:
        return None
    return db.session.scalar(
        select(Commission).where(
            Commission.order_id == order.id, Commission.creator_id == creator_id
        )
    )
