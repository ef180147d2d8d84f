"""Demo promotions (``flask demo seed``): running, scheduled and ended ones of each kind for the
demo stores, made through the seller's services, and orders that used them.

Glow & Co (seller@example.com): 15% off two skincare products and a scheduled $3 off one
lipstick shade; the public store voucher GLOW10 (10% off, $50 minimum spend) and the private
code GLOWVIP ($5 off two products, code only); a running flash deal on the Rose lipstick
(20 units) and one for tomorrow on the highlighter; and a hair-mask sale ended early.
Trailhead Outfitters: 10% off the trail shoes, a flash deal on the water bottle and the voucher
TRAIL15 (15% up to $20, from tomorrow).

The orders are placed and paid through checkout (``shop.promotions.pricing.cart`` prices them) by a
demo deal hunter, so that the demo buyer can still use GLOW10 and the flash deal themselves.

Idempotent: a store whose marker code (GLOW10, TRAIL15) exists is left alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core.accounts import services as accounts
from core.accounts.models import Role, User
from core.extensions import db
from core.types import utcnow
from demo.accounts import DEMO_PASSWORD
from shop.catalog.models import Store, Variant
from shop.orders import cart as carts
from shop.orders import lifecycle
from shop.orders.checkout import services as checkout
from shop.orders.checkout.models import Address
from shop.orders.models import Order
from shop.payments import services as payments
from shop.promotions import services
from shop.promotions.models import Voucher

DEAL_HUNTER = ("deals@example.com", "Dana Deals")
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _variant(sku: str) -> Variant:
    return db.session.scalars(select(Variant).where(Variant.sku == sku)).one()


def _store(handle: str) -> Store | None:
    return db.session.scalar(select(Store).where(Store.handle == handle))


def _has_code(code: str) -> bool:
    return db.session.scalar(select(Voucher.id).where(Voucher.code == code)) is not None


def _glow(store: Store, now: datetime) -> int:
    serum, cream = _variant("GLOW-01-1"), _variant("GLOW-02-1")
    services.create_product_discount(
        store,
        name="Skincare week",
        kind="percent",
        value="15",
        product_ids=[serum.product_id, cream.product_id],
        starts_at=now - 2 * DAY,
        ends_at=now + 5 * DAY,
        now=now,
    )
    services.create_product_discount(
        store,
        name="Coral lipstick launch",
        kind="fixed",
        value="3",
        variant_ids=[_variant("GLOW-03-2").id],
        starts_at=now + 3 * DAY,
        ends_at=now + 7 * DAY,
        now=now,
    )
    services.create_voucher(
        store,
        code="GLOW10",
        name="10% off orders of $50",
        kind="percent",
        value="10",
        min_spend="50",
        total_uses=500,
        per_buyer_limit=1,
        public=True,
        starts_at=now - 2 * DAY,
        ends_at=now + 30 * DAY,
        now=now,
    )
    services.create_voucher(
        store,
        code="GLOWVIP",
        name="VIP $5 off perfume and sunscreen",
        kind="fixed",
        value="5",
        min_spend="30",
        scope="products",
        product_ids=[_variant("GLOW-06-1").product_id, _variant("GLOW-08-1").product_id],
        per_buyer_limit=1,
        public=False,
        starts_at=now - DAY,
        ends_at=now + 14 * DAY,
        now=now,
    )
    services.create_flash_deal(
        store,
        variant_id=_variant("GLOW-03-1").id,
        name="Rose lipstick flash deal",
        deal_price="9.99",
        quantity=20,
        per_buyer_limit=2,
        starts_at=now - HOUR,
        ends_at=now + 10 * HOUR,
        now=now,
    )
    tomorrow = (now + DAY).replace(hour=10, minute=0, second=0, microsecond=0)
    services.create_flash_deal(
        store,
        variant_id=_variant("GLOW-04-1").id,
        name="Highlighter flash deal",
        deal_price="12",
        quantity=15,
        per_buyer_limit=1,
        starts_at=tomorrow,
        ends_at=tomorrow + 6 * HOUR,
        now=now,
    )
    ended = services.create_product_discount(
        store,
        name="Hair mask weekend",
        kind="percent",
        value="20",
        product_ids=[_variant("GLOW-05-1").product_id],
        starts_at=now - 6 * DAY,
        ends_at=now + DAY,
        now=now,
    )
    services.end_early(store, services.PromotionKind.DISCOUNT, ended.id, now=now)
    return 7


def _trailhead(store: Store, now: datetime) -> int:
    services.create_product_discount(
        store,
        name="Trail shoe days",
        kind="percent",
        value="10",
        product_ids=[_variant("TRAI-01-1").product_id],
        starts_at=now - DAY,
        ends_at=now + 6 * DAY,
        now=now,
    )
    services.create_flash_deal(
        store,
        variant_id=_variant("TRAI-07-1").id,
        name="Water bottle flash deal",
        deal_price="19",
        quantity=30,
        per_buyer_limit=2,
        starts_at=now - 2 * HOUR,
        ends_at=now + 22 * HOUR,
        now=now,
    )
    services.create_voucher(
        store,
        code="TRAIL15",
        name="15% off orders of $80",
        kind="percent",
        value="15",
        cap="20",
        min_spend="80",
        public=True,
        starts_at=now + DAY,
        ends_at=now + 15 * DAY,
        now=now,
    )
    return 3


def _deal_hunter() -> tuple[User, Address]:
    email, name = DEAL_HUNTER
    user = accounts.find_by_email(email) or accounts.register_user(
        email=email, password=DEMO_PASSWORD, verified=True, display_name=name, roles={Role.BUYER}
    )
    address = db.session.scalar(select(Address).where(Address.user_id == user.id))
    if address is None:
        address = checkout.add_address(
            user.id,
            full_name=name,
            line1="7 Bargain Lane",
            city="Springfield",
            region="IL",
            postal_code="62704",
            country="US",
        )
    return user, address


def _order(
    buyer: User,
    address: Address,
    skus: list[tuple[str, int]],
    *,
    codes: dict[int, str] | None = None,
    when: datetime | None = None,
) -> Order:
    """Place and pay one order through checkout (which prices its promotions)."""
    cart = carts.get_or_create_cart(user_id=buyer.id)
    for sku, quantity in skus:
        carts.add_to_cart(cart, _variant(sku), quantity)
    payment = checkout.place_orders(buyer.id, cart, address, provider="test", codes=codes)
    (order,) = payments.mark_payment_succeeded(payment.id, f"demo-promo-{payment.id}")
    if when is not None:
        order.placed_at = order.paid_at = when
    db.session.flush()
    return order


def _orders(glow: Store | None, trailhead: Store | None, now: datetime) -> int:
    buyer, address = _deal_hunter()
    count = 0
    if glow is not None:
        # The serum at 15% off and the perfume come to over $50: GLOW10 takes 10% more.
        vouchered = _order(
            buyer,
            address,
            [("GLOW-01-1", 1), ("GLOW-06-1", 1)],
            codes={glow.id: "GLOW10"},
            when=now - DAY,
        )
        seller = db.session.get(User, glow.owner_id)
        lifecycle.ship(vouchered, "UPS", "1Z999AA10123456812", seller)
        _order(buyer, address, [("GLOW-03-1", 2)])  # the flash deal
        _order(buyer, address, [("GLOW-02-1", 2)], when=now - 2 * HOUR)
        count += 3
    if trailhead is not None:
        _order(buyer, address, [("TRAI-01-1", 1), ("TRAI-07-1", 2)])
        count += 1
    return count


def seed_promotions() -> str:
    """Create the demo promotions (skipping stores that have them) and orders that used them."""
    now = utcnow()
    glow = _store("glow-and-co")
    trailhead = _store("trailhead")
    glow = glow if glow is not None and not _has_code("GLOW10") else None
    trailhead = trailhead if trailhead is not None and not _has_code("TRAIL15") else None
    created = 0
    if glow is not None:
        created += _glow(glow, now)
    if trailhead is not None:
        created += _trailhead(trailhead, now)
    db.session.flush()
    orders = _orders(glow, trailhead, now) if glow is not None or trailhead is not None else 0
    return f"demo promotions ready ({created} promotions and {orders} orders using them created)"
