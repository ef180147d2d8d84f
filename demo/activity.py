"""Demo activity on the creators' content: a month of views and taps, and orders through them.

So that every dashboard has something to show on a fresh ``make run``: viewers' events over
the last 30 days (views, yellow-cart opens, product clicks, adds to cart), and orders placed
and paid through the real cart, checkout and lifecycle services with the attribution a tap
would leave, so commissions are earned, settled and reversed as they would be. Dates are then
moved back to spread them over the month. Random but seeded: every run draws the same month.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select, update

from affiliate.creators.attribution import codes, tracking
from affiliate.creators.attribution.models import Commission, ContentEvent, EventKind
from affiliate.creators.content import lives
from affiliate.creators.content.models import (
    Content,
    ContentKind,
    ContentProduct,
    ContentStatus,
    LiveState,
)
from core.accounts import services as accounts
from core.accounts.models import Role, User
from core.extensions import db
from core.types import utcnow
from demo.accounts import DEMO_PASSWORD
from shop.catalog.models import Store, Variant
from shop.orders import cart as carts
from shop.orders import lifecycle
from shop.orders.cart import Attribution
from shop.orders.checkout import services as checkout
from shop.orders.models import Order, OrderLine
from shop.orders.refunds import requests as refund_requests
from shop.payments import services as payments
from shop.promotions.models import Voucher

SHOPPERS = 12
ORDERS = 28
DAYS = 30
FIRST_SHOPPER = "shopper01@example.com"


def _shoppers() -> list[User]:
    shoppers = []
    for number in range(1, SHOPPERS + 1):
        email = f"shopper{number:02d}@example.com"
        user = accounts.find_by_email(email) or accounts.register_user(
            email=email,
            password=DEMO_PASSWORD,
            verified=True,
            display_name=f"Shopper {number}",
            roles={Role.BUYER},
        )
        checkout.add_address(
            user.id,
            full_name=f"Shopper {number}",
            line1=f"{number} Market Street",
            city="Springfield",
            region="IL",
            postal_code="62701",
            country="US",
        )
        shoppers.append(user)
    db.session.flush()
    return shoppers


def _contents() -> list[tuple[Content, list[int]]]:
    contents = db.session.scalars(
        select(Content).where(Content.status == ContentStatus.PUBLISHED.value).order_by(Content.id)
    ).all()
    products: dict[int, list[int]] = {}
    for content_id, product_id in db.session.execute(
        select(ContentProduct.content_id, ContentProduct.product_id).order_by(
            ContentProduct.position
        )
    ):
        products.setdefault(content_id, []).append(product_id)
    return [(content, products[content.id]) for content in contents if products.get(content.id)]


def _events(rng: random.Random, contents: list[tuple[Content, list[int]]], now: datetime) -> int:
    recorded = 0
    for content, product_ids in contents:
        for day in range(DAYS):
            for viewer in range(rng.randint(2, 9)):
                at = now - timedelta(days=day, minutes=rng.randint(0, 1400))
                visitor = tracking.visitor_key(None, f"demo-{content.id}-{day}-{viewer}")
                kinds = [EventKind.VIEW]
                if rng.random() < 0.35:
                    kinds.append(EventKind.CART_OPEN)
                    if rng.random() < 0.5:
                        kinds.append(EventKind.CLICK)
                        if rng.random() < 0.3:
                            kinds.append(EventKind.ADD_TO_CART)
                product_id = rng.choice(product_ids)
                for kind in kinds:
                    recorded += tracking.record_event(
                        kind,
                        content.id,
                        content.creator_id,
                        visitor=visitor,
                        product_id=None if kind is EventKind.VIEW else product_id,
                        at=at,
                    )
    return recorded


def _buy(buyer: User, content: Content, product_id: int, quantity: int) -> Order | None:
    variant = db.session.scalar(
        select(Variant)
        .where(Variant.product_id == product_id, Variant.active.is_(True), Variant.stock > 5)
        .order_by(Variant.id)
    )
    if variant is None:
        return None
    cart = carts.get_or_create_cart(user_id=buyer.id)
    touched = utcnow() - timedelta(hours=1)
    source = Attribution(content.creator_id, content.kind, content.id, touched)
    carts.add_to_cart(cart, variant, quantity, source)
    address = checkout.addresses_of(buyer.id)[0]
    payment = checkout.place_orders(buyer.id, cart, address, provider="test")
    [order] = payments.mark_payment_succeeded(payment.id, f"demo-creator-{payment.id}")
    return order


def _backdate(order: Order, when: datetime) -> None:
    """Move an order bought now back to ``when``, with what was stamped at payment."""
    order.placed_at = order.paid_at = when
    db.session.execute(
        update(OrderLine)
        .where(OrderLine.order_id == order.id)
        .values(attributed_at=when - timedelta(hours=1))
    )
    db.session.execute(
        update(Commission).where(Commission.order_id == order.id).values(created_at=when)
    )
    line_products = [line.product_id for line in order.lines]
    db.session.execute(
        update(ContentEvent)
        .where(
            ContentEvent.kind == EventKind.ORDER.value,
            ContentEvent.visitor == tracking.visitor_key(order.buyer_id, ""),
            ContentEvent.product_id.in_(line_products),
            ContentEvent.occurred_at > utcnow() - timedelta(minutes=5),
        )
        .values(occurred_at=when)
    )
    db.session.flush()


def _move_along(order: Order, when: datetime, now: datetime, rng: random.Random) -> None:
    """Ship, deliver and (past the return window) complete an order, as its age allows."""
    age = (now - when).days
    seller = db.session.get(User, order.store.owner_id)
    buyer = db.session.get(User, order.buyer_id)
    if age >= 2:
        lifecycle.ship(order, "UPS", f"1ZDEMO{order.id:010d}", seller)
        order.shipped_at = when + timedelta(days=1)
    if age >= 5:
        lifecycle.mark_delivered(order, buyer, now=when + timedelta(days=4))
        if rng.random() < 0.12:
            refund = refund_requests.request_refund(
                order,
                order.lines[0],
                "Not the shade I expected.",
                buyer,
                now=when + timedelta(days=5),
            )
            refund_requests.approve_refund(refund, seller, now=when + timedelta(days=5))


def _orders(rng: random.Random, contents: list[tuple[Content, list[int]]], now: datetime) -> int:
    shoppers = _shoppers()
    placed = 0
    for _ in range(ORDERS):
        content, product_ids = rng.choice(contents)
        order = _buy(rng.choice(shoppers), content, rng.choice(product_ids), rng.randint(1, 2))
        if order is None:
            continue
        when = now - timedelta(days=rng.randint(0, DAYS - 2), minutes=rng.randint(0, 600))
        _backdate(order, when)
        _move_along(order, when, now, rng)
        placed += 1
    lifecycle.complete_due_orders(now, 7)
    db.session.flush()
    return placed


def seed_creator_activity() -> str:
    """A month of events and orders on the demo content (once: skipped when shoppers exist)."""
    if accounts.find_by_email(FIRST_SHOPPER) is not None:
        return "demo creator activity already there"
    contents = _contents()
    if not contents:
        return "demo creator activity skipped (no content with products)"
    rng = random.Random(2026)  # noqa: S311 - demo data, not secrets
    now = utcnow()
    events = _events(rng, contents, now)
    orders = _orders(rng, contents, now)
    db.session.commit()
    folded = tracking.roll_up()
    return f"demo creator activity ready ({events} events, {orders} orders, {folded} rolled up)"


def seed_codes_and_live_voucher() -> str:
    """Cleo's personal code from Glow & Co, and GLOW10 pinned on her live (once)."""

    store = db.session.scalar(select(Store).where(Store.handle == "glow-and-co"))
    cleo = accounts.find_by_email("creator@example.com")
    if store is None or cleo is None:
        return "demo creator codes skipped (no Glow & Co or no Cleo)"
    given = 0
    if db.session.scalar(select(Voucher.id).where(Voucher.code == "CLEO15")) is None:
        codes.give_code(store, cleo, code="CLEO15", percent="15", days=60)
        given = 1
    live = db.session.scalar(
        select(Content).where(
            Content.creator_id == cleo.id,
            Content.kind == ContentKind.LIVE.value,
            Content.live_state == LiveState.LIVE.value,
        )
    )
    glow10 = db.session.scalar(select(Voucher.id).where(Voucher.code == "GLOW10"))
    if live is not None and glow10 is not None and live.pinned_voucher_id is None:
        lives.pin_voucher(cleo.id, live.id, glow10)
    db.session.commit()
    return f"demo creator codes ready ({given} given; GLOW10 pinned on Cleo's live)"
