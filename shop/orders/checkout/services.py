"""Checkout: the buyer's addresses, and placing orders from the cart.

Placing (``place_orders``), in one transaction: pick the cart's available lines of one
currency and price them again on the server (``shop.promotions.pricing.cart``: product
offers per line, the voucher code entered per store; a form never carries a price or a
discount); reserve each variant's stock with a guarded ``UPDATE ... WHERE stock >= q`` in
variant-id order (so two checkouts never deadlock, and the last item is sold once), then the
flash deal units and the voucher uses the same way (``shop.promotions.pricing.redemptions``);
make one order per store with snapshotted lines (list price, product discount, voucher share,
amount paid, and what an attributed line earns its creator: ``terms``) and one payment for all
of them; clear the bought lines from the cart. Any reservation that fails rolls every one of
them back.
Paying for them is ``shop.payments.services``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from core.extensions import db
from core.money import format_money
from core.types import utcnow
from shop.catalog.models import Product, ProductStatus, Variant
from shop.orders import mail as order_mail
from shop.orders.cart import CartSummary, LineView, is_purchasable, remove_lines, summarise
from shop.orders.checkout.models import Address
from shop.orders.checkout.terms import fix_commission_terms
from shop.orders.exceptions import CartChanged, EmptyCheckout, MixedCurrencies, OutOfStock
from shop.orders.models import Cart, CartLine, Order, OrderEvent, OrderLine, OrderStatus
from shop.payments.models import Payment, PaymentStatus
from shop.promotions.exceptions import VoucherUnavailable
from shop.promotions.live_deal_models import LiveDealPurchase
from shop.promotions.models import FlashDealPurchase, VoucherRedemption
from shop.promotions.pricing.cart import price_cart
from shop.promotions.pricing.quotes import CartPricing, StorePricing, VoucherQuote
from shop.promotions.pricing.redemptions import (
    reserve_flash_units,
    reserve_live_units,
    take_voucher_use,
)

DEFAULT_PAY_WITHIN = timedelta(minutes=30)


# ---------------------------------------------------------------------------- addresses


ADDRESS_FIELDS = (
    "full_name",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
)


def addresses_of(user_id: int) -> list[Address]:
    query = select(Address).where(Address.user_id == user_id).order_by(Address.id.desc())
    return list(db.session.scalars(query))


def get_address(user_id: int, address_id: int) -> Address | None:
    address = db.session.get(Address, address_id) if 0 < address_id < 2**63 else None
    return address if address is not None and address.user_id == user_id else None


def add_address(user_id: int, **fields: str) -> Address:
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise ValueError(f"unknown address fields: {sorted(unknown)}")
    values = {key: (value or "").strip() for key, value in fields.items()}
    values["country"] = values.get("country", "").upper()
    address = Address(user_id=user_id, **values)
    db.session.add(address)
    db.session.flush()
    return address


# ---------------------------------------------------------------------------- placing orders


def _label(view: LineView) -> str:
    name = view.variant.name
    return view.product.title if name == "Default" else f"{view.product.title} ({name})"


def reserve_stock(view: LineView) -> None:
    """Take ``quantity`` from the variant's stock, or raise ``OutOfStock``."""
    variant, quantity = view.variant, view.line.quantity
    still_on_sale = (
        select(Product.id)
        .where(Product.id == variant.product_id, Product.status == ProductStatus.ACTIVE.value)
        .exists()
    )
    result = db.session.execute(
        update(Variant)
        .where(
            Variant.id == variant.id,
            Variant.stock >= quantity,
            Variant.active.is_(True),
            still_on_sale,
        )
        .values(stock=Variant.stock - quantity)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        available = db.session.scalar(select(Variant.stock).where(Variant.id == variant.id))
        raise OutOfStock(_label(view), available or 0)


def _raise_if_sold_out(summary: CartSummary, currency: str | None) -> None:
    """Nothing is left to buy because a line sold out: the buyer lost the race for the last
    units, which is ``OutOfStock`` (a conflict), not an empty checkout."""
    for group in summary.groups:
        if currency is not None and group.currency != currency:
            continue
        for view in group.lines:
            if is_purchasable(view.variant) and view.variant.stock <= 0:
                raise OutOfStock(_label(view), 0)


def place_orders(
    buyer_id: int,
    cart: Cart,
    address: Address,
    *,
    provider: str,
    currency: str | None = None,
    pay_within: timedelta = DEFAULT_PAY_WITHIN,
    reviewed: str | None = None,
    codes: Mapping[int, str] | None = None,
) -> Payment:
    """Place one order per store for the cart's available lines in ``currency``.

    Prices and discounts come from the variants and the running promotions at this moment,
    never from a form; ``codes`` are the voucher codes the buyer entered, by store id.
    Raises ``EmptyCheckout``, ``MixedCurrencies`` (no currency given and the cart has
    several), ``VoucherUnavailable`` (a code that cannot apply, unless the buyer reviewed the
    order without it), ``CartChanged`` (the cart or its prices no longer match the
    ``reviewed`` fingerprint the buyer saw), ``OutOfStock`` or ``FlashDealUnavailable``; on
    any of them nothing is written.
    """
    if address.user_id != buyer_id or cart.user_id != buyer_id:
        raise PermissionError("the cart and the address must be the buyer's")
    summary = summarise(cart)
    currencies = summary.currencies
    if currency is None:
        if len(currencies) > 1:
            raise MixedCurrencies(currencies)
        currency = currencies[0] if currencies else None
    groups = summary.for_currency(currency) if currency else []
    if not groups or currency is None:
        _raise_if_sold_out(summary, currency)
        raise EmptyCheckout()
    now = utcnow()
    lines = [view for group in groups for view in group.available_lines]
    pricing = price_cart(lines, buyer_id=buyer_id, codes=codes or {}, now=now)
    if reviewed is None or reviewed != summary.fingerprint(currency, pricing):
        # A refused code is only bought past when the buyer saw the order without it.
        for refusal in pricing.refusals:
            raise VoucherUnavailable(refusal.code, refusal.message)
        if reviewed is not None:
            raise CartChanged()
    ship_to = address.one_line()
    with db.session.begin_nested():
        views = sorted(lines, key=lambda v: v.variant.id)
        for view in views:
            reserve_stock(view)
        _reserve_promotions(buyer_id, pricing, now)
        payment = Payment(
            buyer_id=buyer_id,
            provider=provider,
            currency=currency,
            amount=pricing.total(currency),
            status=PaymentStatus.PENDING.value,
        )
        db.session.add(payment)
        db.session.flush()
        for store in sorted(pricing.stores, key=lambda s: s.store.id):
            _place_order(buyer_id, payment, store, ship_to, now)
        db.session.flush()
        for view in views:
            db.session.expire(view.variant, ["stock"])
        remove_lines(cart, [view.line.id for view in views])
    for order in payment.orders:
        order.pay_by = now + pay_within
    db.session.flush()
    for order in payment.orders:
        order_mail.order_placed(order)
    return payment


def _reserve_promotions(buyer_id: int, pricing: CartPricing, now: datetime) -> None:
    """Flash deal units (deal-id order), live deal units (likewise), then voucher uses
    (voucher-id order), or raise."""
    deals = sorted(
        (line for store in pricing.stores for line in store.lines if line.flash_deal_id),
        key=lambda line: line.flash_deal_id or 0,
    )
    for line in deals:
        assert line.flash_deal_id is not None
        reserve_flash_units(
            line.flash_deal_id, buyer_id, line.quantity, title=_label(line.view), now=now
        )
    live = sorted(
        (line for store in pricing.stores for line in store.lines if line.live_deal_id),
        key=lambda line: line.live_deal_id or 0,
    )
    for line in live:
        assert line.live_deal_id is not None
        reserve_live_units(
            line.live_deal_id, buyer_id, line.quantity, title=_label(line.view), now=now
        )
    quotes = sorted(
        (store.voucher.voucher.id, store.voucher.code)
        for store in pricing.stores
        if store.voucher is not None
    )
    for voucher_id, code in quotes:
        take_voucher_use(voucher_id, buyer_id, code=code, now=now)


#: ``content_type`` of a line covered by a creator's personal code.
CREATOR_CODE = "code"


@dataclass(frozen=True)
class LineSource:
    """Whom an order line is attributed to: a creator's content, or their personal code."""

    creator_id: int
    content_type: str
    content_id: int | None
    at: datetime | None


def _code_attribution(quote: VoucherQuote | None, line_id: int, now: datetime) -> LineSource | None:
    """A creator's code covers the line: it is theirs, ahead of any content touch."""
    if quote is None or quote.voucher.creator_id is None or line_id not in quote.line_ids:
        return None
    return LineSource(quote.voucher.creator_id, CREATOR_CODE, None, now)


def _line_attribution(line: CartLine) -> LineSource | None:
    if line.creator_id is None or line.content_type is None:
        return None
    return LineSource(line.creator_id, line.content_type, line.content_id, line.attributed_at)


def _place_order(
    buyer_id: int, payment: Payment, store: StorePricing, ship_to: str, now: datetime
) -> Order:
    quote = store.voucher
    order = Order(
        buyer_id=buyer_id,
        store_id=store.store.id,
        payment=payment,
        status=OrderStatus.PENDING_PAYMENT.value,
        currency=payment.currency,
        subtotal=store.subtotal,
        discount=store.discount,
        shipping=0,
        total=store.total,
        voucher_id=quote.voucher.id if quote else None,
        voucher_code=quote.code if quote else None,
        ship_to=ship_to,
        placed_at=now,
    )
    db.session.add(order)
    db.session.flush()
    for priced in store.lines:
        line, variant = priced.view.line, priced.view.variant
        source = _code_attribution(quote, line.id, now) or _line_attribution(line)
        db.session.add(
            OrderLine(
                order_id=order.id,
                product_id=priced.view.product.id,
                variant_id=variant.id,
                title=priced.view.product.title,
                variant_name=variant.name,
                sku=variant.sku,
                unit_price=priced.list_price,
                quantity=priced.quantity,
                product_discount=priced.product_discount,
                voucher_discount=priced.voucher_discount,
                discount=priced.discount,
                amount=priced.amount,
                product_discount_id=priced.product_discount_id,
                flash_deal_id=priced.flash_deal_id,
                live_deal_id=priced.live_deal_id,
                creator_id=source.creator_id if source else None,
                content_type=source.content_type if source else None,
                content_id=source.content_id if source else None,
                attributed_at=source.at if source else None,
            )
        )
        if priced.flash_deal_id is not None:
            db.session.add(
                FlashDealPurchase(
                    deal_id=priced.flash_deal_id,
                    buyer_id=buyer_id,
                    order_id=order.id,
                    quantity=priced.quantity,
                    created_at=now,
                )
            )
        if priced.live_deal_id is not None:
            db.session.add(
                LiveDealPurchase(
                    deal_id=priced.live_deal_id,
                    buyer_id=buyer_id,
                    order_id=order.id,
                    quantity=priced.quantity,
                    created_at=now,
                )
            )
    if quote is not None:
        db.session.add(
            VoucherRedemption(
                voucher_id=quote.voucher.id,
                buyer_id=buyer_id,
                order_id=order.id,
                amount=quote.amount,
                created_at=now,
            )
        )
    fix_commission_terms(buyer_id, order.lines, now)  # what attributed lines earn, fixed now
    items = sum(priced.quantity for priced in store.lines)
    note = f"{items} item{'s' if items != 1 else ''}, awaiting payment"
    if store.discount:
        saved = format_money(store.discount, order.currency)
        note += f"; {saved} off" + (f", voucher {quote.code}" if quote else "")
    db.session.add(OrderEvent(order_id=order.id, kind="placed", note=note, actor_id=buyer_id))
    return order
