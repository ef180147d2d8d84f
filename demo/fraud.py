"""Demo fraud: Cleo buys through her own video, shipping to her own address, so the
self-purchase rule holds the commission and the finance fraud queue has a row to decide."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from affiliate.creators.attribution.models import Commission
from affiliate.creators.content.models import Content, ContentProduct, ContentStatus
from affiliate.fraud.models import FraudFlag
from core.accounts import services as accounts
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Variant
from shop.orders import cart as carts
from shop.orders.cart import Attribution
from shop.orders.checkout import services as checkout
from shop.payments import services as payments

CREATOR = "creator@example.com"


def seed_fraud_hold() -> str:
    """One self-purchase held in ``/finance/fraud`` (once: a rerun adds nothing)."""
    creator = accounts.find_by_email(CREATOR)
    if creator is None:
        return "fraud: no demo creator, nothing held"
    already = db.session.scalar(
        select(FraudFlag.id)
        .join(Commission, Commission.id == FraudFlag.commission_id)
        .where(Commission.creator_id == creator.id)
        .limit(1)
    )
    if already is not None:
        return "fraud: a self-purchase is already held in the fraud queue"
    found = db.session.execute(
        select(Content, Variant)
        .join(ContentProduct, ContentProduct.content_id == Content.id)
        .join(Variant, Variant.product_id == ContentProduct.product_id)
        .where(
            Content.creator_id == creator.id,
            Content.status == ContentStatus.PUBLISHED.value,
            Variant.active.is_(True),
            Variant.stock > 5,
        )
        .order_by(Content.id, ContentProduct.position, Variant.id)
        .limit(1)
    ).first()
    if found is None:
        return "fraud: the demo creator has no video with a product in stock"
    content, variant = found
    address = checkout.add_address(
        creator.id,
        full_name=creator.display_name,
        line1="7 Orchard Lane",
        city="Springfield",
        region="IL",
        postal_code="62704",
        country="US",
    )
    cart = carts.get_or_create_cart(user_id=creator.id)
    touched = utcnow() - timedelta(minutes=20)
    carts.add_to_cart(cart, variant, 1, Attribution(creator.id, content.kind, content.id, touched))
    payment = checkout.place_orders(creator.id, cart, address, provider="test")
    [order] = payments.mark_payment_succeeded(payment.id, f"demo-fraud-{payment.id}")
    return (
        f"fraud: {creator.display_name} bought through her own video (order #{order.id}); "
        "the self-purchase rule holds it in /finance/fraud"
    )
