"""Factories for shop data: stores, products and orders, promotions, and orders that went
through the lifecycle's money paths.

``make_*`` write rows directly and commit (no ledger postings, no signals): tests of money
paths go through the services instead. Promotions run now unless told otherwise: they started a
day ago and end in a day (an hour either side for flash deals); ``add_*`` build them around a
moment (the real clock's now by default: the pages read the real clock) and public by default.
``write_order`` writes an order that used promotions, as checkout would leave it.

``place`` mirrors ``shop.orders.checkout.services.place_orders`` for what the lifecycle needs (an
order waiting for payment with its stock reserved); ``pay`` mirrors
``shop.payments.services.mark_payment_succeeded``: a succeeded ``Payment``, the order moved to
paid, ``paid_at``, a "paid" timeline step, ``Product.sold_count``, one ``order_paid`` ledger
entry (debit platform cash, credit the store owner's receivable, ``Cause("order", id)``) and
the ``order_paid`` signal. ``Shop`` is a seller, a store with a two-variant product, and a buyer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from typing import Any

import factory
from sqlalchemy import select, update

from core.accounts.models import Role, User
from core.extensions import db
from core.ledger.models import AccountKind
from core.ledger.services import Cause, account_for, balance, credit, debit, post_entry
from core.types import utcnow
from shop import signals
from shop.catalog.models import Category, Product, ProductStatus, Store, Variant
from shop.orders.models import LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from shop.orders.states import ORDER
from shop.payments.models import Payment, PaymentStatus
from shop.promotions.models import (
    FlashDeal,
    ProductDiscount,
    ProductDiscountTarget,
    Voucher,
    VoucherProduct,
    VoucherRedemption,
)
from tests.factories import BaseFactory, make_user


def category(slug: str = "beauty-skincare") -> Category:
    """A category of the tree the migration seeded."""
    return db.session.scalars(select(Category).where(Category.slug == slug)).one()


class StoreFactory(BaseFactory):
    class Meta:
        model = Store

    owner = factory.LazyFunction(lambda: make_user(Role.SELLER))
    name = factory.Sequence(lambda n: f"Store {n}")
    handle = factory.Sequence(lambda n: f"store-{n}")
    description = "A store made by the tests."
    currency = "USD"
    return_address = "1 Test Street, Testville"


class ProductFactory(BaseFactory):
    class Meta:
        model = Product

    store = factory.SubFactory(StoreFactory)
    category = factory.LazyFunction(category)
    title = factory.Sequence(lambda n: f"Product {n}")
    description = "A product made by the tests."
    status = ProductStatus.ACTIVE.value
    currency = factory.SelfAttribute("store.currency")
    price = 1999


class VariantFactory(BaseFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    store_id = factory.SelfAttribute("product.store_id")
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    price = factory.SelfAttribute("product.price")
    stock = 10


def make_store(owner: User | None = None, **kwargs: object) -> Store:
    if owner is not None:
        kwargs["owner"] = owner
    return StoreFactory(**kwargs)


def make_product(
    store: Store | None = None,
    *,
    variants: int = 1,
    price: int = 1999,
    stock: int = 10,
    **kwargs: object,
) -> Product:
    """An active product with ``variants`` variants (options Size S, M, L...)."""
    store = store or make_store()
    product = ProductFactory(store=store, price=price, **kwargs)
    sizes = ["S", "M", "L", "XL", "XXL"]
    for index in range(variants):
        VariantFactory(
            product=product,
            price=price,
            stock=stock,
            option1=sizes[index % len(sizes)] if variants > 1 else "",
            position=index,
        )
    db.session.refresh(product)
    return product


def make_order(
    buyer: User,
    variants: list[tuple[Variant, int]],
    status: OrderStatus = OrderStatus.PAID,
    **kwargs: object,
) -> Order:
    """An order of one store in ``status``, written directly (no payment, no ledger)."""
    store_id = variants[0][0].store_id
    store = db.session.get(Store, store_id)
    subtotal = sum(v.price * q for v, q in variants)
    order = Order(
        buyer_id=buyer.id,
        store_id=store_id,
        status=status.value,
        currency=store.currency,
        subtotal=subtotal,
        total=subtotal,
        ship_to="Bea Buyer, 1 Main St, Springfield, 12345, US",
        **kwargs,
    )
    db.session.add(order)
    db.session.flush()
    for variant, quantity in variants:
        product = variant.product
        db.session.add(
            OrderLine(
                order_id=order.id,
                product_id=product.id,
                variant_id=variant.id,
                title=product.title,
                variant_name=variant.name,
                sku=variant.sku,
                unit_price=variant.price,
                quantity=quantity,
                amount=variant.price * quantity,
            )
        )
    db.session.commit()
    return order


# --- promotions ------------------------------------------------------------------------------

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
_codes = count(1)


def _kind(percent_bps: int | None, amount_off: int | None) -> str:
    if (percent_bps is None) == (amount_off is None):
        raise ValueError("a promotion is a percentage or an amount off, exactly one")
    return "percent" if percent_bps is not None else "fixed"


def make_product_discount(
    target: Product | Variant,
    *,
    percent_bps: int | None = None,
    amount_off: int | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    ended_at: datetime | None = None,
    name: str = "Test discount",
) -> ProductDiscount:
    """A discount on a product (every variant) or on one variant; 10% off if no value given."""
    if percent_bps is None and amount_off is None:
        percent_bps = 1000
    now = utcnow()
    product_id = target.product_id if isinstance(target, Variant) else target.id
    variant_id = target.id if isinstance(target, Variant) else None
    discount = ProductDiscount(
        store_id=target.store_id,
        name=name,
        kind=_kind(percent_bps, amount_off),
        percent_bps=percent_bps,
        amount_off=amount_off,
        starts_at=starts_at or now - DAY,
        ends_at=ends_at or now + DAY,
        ended_at=ended_at,
        targets=[ProductDiscountTarget(product_id=product_id, variant_id=variant_id)],
    )
    db.session.add(discount)
    db.session.commit()
    return discount


def make_voucher(
    store: Store,
    *,
    code: str | None = None,
    percent_bps: int | None = None,
    amount_off: int | None = None,
    cap_amount: int | None = None,
    min_spend: int = 0,
    products: list[Product] | None = None,
    public: bool = False,
    total_uses: int | None = None,
    used_count: int = 0,
    per_buyer_limit: int = 1,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    ended_at: datetime | None = None,
    name: str = "Test voucher",
) -> Voucher:
    """A voucher of ``store`` (store-wide, or for ``products``); $5.00 off if no value given."""
    if percent_bps is None and amount_off is None:
        amount_off = 500
    now = utcnow()
    voucher = Voucher(
        store_id=store.id,
        code=(code or f"CODE{next(_codes):04d}").strip().upper(),
        name=name,
        kind=_kind(percent_bps, amount_off),
        percent_bps=percent_bps,
        cap_amount=cap_amount,
        amount_off=amount_off,
        min_spend=min_spend,
        scope="products" if products else "store",
        public=public,
        total_uses=total_uses,
        used_count=used_count,
        per_buyer_limit=per_buyer_limit,
        starts_at=starts_at or now - DAY,
        ends_at=ends_at or now + DAY,
        ended_at=ended_at,
        products=[VoucherProduct(product_id=product.id) for product in products or []],
    )
    db.session.add(voucher)
    db.session.commit()
    return voucher


def make_flash_deal(
    variant: Variant,
    deal_price: int,
    *,
    quantity: int = 10,
    sold: int = 0,
    per_buyer_limit: int = 1,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    ended_at: datetime | None = None,
    name: str = "Test flash deal",
) -> FlashDeal:
    now = utcnow()
    deal = FlashDeal(
        store_id=variant.store_id,
        product_id=variant.product_id,
        variant_id=variant.id,
        name=name,
        deal_price=deal_price,
        quantity=quantity,
        sold=sold,
        per_buyer_limit=per_buyer_limit,
        starts_at=starts_at or now - HOUR,
        ends_at=ends_at or now + HOUR,
        ended_at=ended_at,
    )
    db.session.add(deal)
    db.session.commit()
    return deal


def _at(now: datetime, offset: timedelta | None) -> datetime | None:
    return None if offset is None else now + offset


def add_discount(
    product: Product,
    *,
    percent_bps: int | None = None,
    amount_off: int | None = None,
    variant: Variant | None = None,
    starts: timedelta = -DAY,
    ends: timedelta = DAY,
    ended: timedelta | None = None,
    now: datetime | None = None,
) -> ProductDiscount:
    """A product discount on ``product`` (or one of its variants) over ``now + starts/ends``."""
    now = now or utcnow()
    return make_product_discount(
        variant or product,
        percent_bps=percent_bps,
        amount_off=amount_off,
        starts_at=now + starts,
        ends_at=now + ends,
        ended_at=_at(now, ended),
    )


def add_flash_deal(
    variant: Variant,
    deal_price: int,
    *,
    quantity: int = 10,
    sold: int = 0,
    per_buyer_limit: int = 1,
    starts: timedelta = -timedelta(hours=1),
    ends: timedelta = timedelta(hours=6),
    ended: timedelta | None = None,
    now: datetime | None = None,
) -> FlashDeal:
    now = now or utcnow()
    return make_flash_deal(
        variant,
        deal_price,
        quantity=quantity,
        sold=sold,
        per_buyer_limit=per_buyer_limit,
        starts_at=now + starts,
        ends_at=now + ends,
        ended_at=_at(now, ended),
    )


def add_voucher(
    store: Store,
    *,
    public: bool = True,
    creator_id: int | None = None,
    starts: timedelta = -DAY,
    ends: timedelta = 5 * DAY,
    ended: timedelta | None = None,
    now: datetime | None = None,
    **options: object,
) -> Voucher:
    """A voucher of ``store``, public unless told otherwise; ``creator_id`` makes it a code of
    that creator. ``options`` go to ``make_voucher`` (value, cap, minimum spend, uses...)."""
    now = now or utcnow()
    voucher = make_voucher(
        store,
        public=public,
        starts_at=now + starts,
        ends_at=now + ends,
        ended_at=_at(now, ended),
        **options,  # type: ignore[arg-type]
    )
    if creator_id is not None:
        voucher.creator_id = creator_id
        db.session.commit()
    return voucher


# --- orders that used promotions -------------------------------------------------------------


PAID_OR_LATER = {
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
    OrderStatus.REFUNDED,
}


@dataclass(frozen=True)
class Line:
    variant: Variant
    quantity: int = 1
    product_discount: int = 0  # the product-level saving on the whole line
    voucher_discount: int = 0  # the line's share of the order's voucher
    discount_id: int | None = None
    flash_deal_id: int | None = None
    status: LineStatus = LineStatus.OPEN


def write_order(
    buyer: User,
    lines: list[Line],
    *,
    placed_at: datetime,
    status: OrderStatus = OrderStatus.PAID,
    voucher: Voucher | None = None,
    redemption_released: bool = False,
) -> Order:
    """One order of the lines' store; paid at ``placed_at`` if its status is paid or later.
    With a voucher, the order carries it and a redemption (released if asked)."""
    store = db.session.get(Store, lines[0].variant.store_id)
    subtotal = sum(line.variant.price * line.quantity for line in lines)
    discount = sum(line.product_discount + line.voucher_discount for line in lines)
    order = Order(
        buyer_id=buyer.id,
        store_id=store.id,
        status=status.value,
        currency=store.currency,
        subtotal=subtotal,
        discount=discount,
        total=subtotal - discount,
        ship_to="Bea Buyer, 1 Main St, Springfield, 12345, US",
        placed_at=placed_at,
        paid_at=placed_at if status in PAID_OR_LATER else None,
        voucher_id=voucher.id if voucher else None,
        voucher_code=voucher.code if voucher else None,
    )
    db.session.add(order)
    db.session.flush()
    for line in lines:
        variant = line.variant
        gross = variant.price * line.quantity
        off = line.product_discount + line.voucher_discount
        db.session.add(
            OrderLine(
                order_id=order.id,
                product_id=variant.product_id,
                variant_id=variant.id,
                title=variant.product.title,
                variant_name=variant.name,
                sku=variant.sku,
                unit_price=variant.price,
                quantity=line.quantity,
                discount=off,
                product_discount=line.product_discount,
                voucher_discount=line.voucher_discount,
                product_discount_id=line.discount_id,
                flash_deal_id=line.flash_deal_id,
                amount=gross - off,
                status=line.status.value,
            )
        )
    if voucher is not None:
        db.session.add(
            VoucherRedemption(
                voucher_id=voucher.id,
                buyer_id=buyer.id,
                order_id=order.id,
                amount=sum(line.voucher_discount for line in lines),
                created_at=placed_at,
                released_at=placed_at if redemption_released else None,
            )
        )
    db.session.commit()
    db.session.refresh(order)
    return order


# --- orders through the lifecycle's money paths -----------------------------------------------


def place(buyer: User, variants: list[tuple[Variant, int]], **kwargs: Any) -> Order:
    """An order waiting for payment, its stock reserved as checkout would."""
    kwargs.setdefault("pay_by", utcnow() + timedelta(minutes=30))
    order = make_order(buyer, variants, status=OrderStatus.PENDING_PAYMENT, **kwargs)
    for variant, quantity in variants:
        db.session.execute(
            update(Variant)
            .where(Variant.id == variant.id)
            .values(stock=Variant.stock - quantity)
            .execution_options(synchronize_session=False)
        )
    db.session.add(OrderEvent(order_id=order.id, kind="placed", note="Order placed"))
    db.session.commit()
    db.session.expire_all()
    return order


def pay(
    order: Order,
    *,
    provider: str = "test",
    at: datetime | None = None,
    card_fingerprint: str | None = None,
) -> Order:
    """Pay ``order`` as ``shop.payments.services.mark_payment_succeeded`` does, ledger entry
    included (with the card's fingerprint, when given, recorded before the signal)."""
    now = at or utcnow()
    payment = Payment(
        buyer_id=order.buyer_id,
        provider=provider,
        provider_ref=f"{provider}_pay_{order.id}",
        amount=order.total,
        currency=order.currency,
        status=PaymentStatus.SUCCEEDED.value,
        succeeded_at=now,
        card_fingerprint=card_fingerprint,
    )
    db.session.add(payment)
    db.session.flush()
    order.payment_id = payment.id
    ORDER.move(order, OrderStatus.PAID)
    order.paid_at = now
    db.session.add(OrderEvent(order_id=order.id, kind="paid", note="Paid", created_at=now))
    for line in order.lines:
        db.session.execute(
            update(Product)
            .where(Product.id == line.product_id)
            .values(sold_count=Product.sold_count + line.quantity)
            .execution_options(synchronize_session=False)
        )
    store = db.session.get(Store, order.store_id)
    cash = account_for(AccountKind.PLATFORM_CASH, currency=order.currency)
    receivable = account_for(
        AccountKind.SELLER_RECEIVABLE, currency=order.currency, owner_id=store.owner_id
    )
    post_entry(
        "order_paid",
        Cause("order", order.id),
        [debit(cash, order.total), credit(receivable, order.total)],
        memo=f"Order #{order.id} paid",
    )
    db.session.flush()
    signals.order_paid.send(order)
    db.session.commit()
    return order


class Shop:
    """A seller with a store and a two-variant product, and a buyer."""

    def __init__(self, *, price: int = 1999, stock: int = 10, email: str | None = None) -> None:
        extra = {"email": email} if email else {}
        self.seller = make_user(Role.SELLER, **extra)
        self.store = make_store(self.seller)
        self.product = make_product(self.store, variants=2, price=price, stock=stock)
        self.buyer = make_user(Role.BUYER)
        db.session.commit()

    @property
    def variants(self) -> list[Variant]:
        return self.product.variants

    def place(self, quantities: tuple[int, ...] = (2, 1), **kwargs: Any) -> Order:
        picks = [(v, q) for v, q in zip(self.variants, quantities, strict=False) if q]
        return place(kwargs.pop("buyer", self.buyer), picks, **kwargs)

    def paid(self, quantities: tuple[int, ...] = (2, 1), **kwargs: Any) -> Order:
        at = kwargs.pop("at", None)
        provider = kwargs.pop("provider", "test")
        return pay(self.place(quantities, **kwargs), provider=provider, at=at)

    def receivable(self) -> int:
        return balance(
            account_for(AccountKind.SELLER_RECEIVABLE, currency="USD", owner_id=self.seller.id)
        )
