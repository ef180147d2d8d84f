"""Checkout: placing orders from the cart, paying them, and what the buyer reads back.

Placing (``place_orders``), in one transaction: pick the cart's available lines of one
currency and price them again on the server (``shop.promotions.pricing``: product offers per
line, the voucher code entered per store; a form never carries a price or a discount);
reserve each variant's stock with a guarded ``UPDATE ... WHERE stock >= q`` in variant-id
order (so two checkouts never deadlock, and the last item is sold once), then the flash deal
units and the voucher uses the same way (``shop.promotions.redemptions``); make one order per
store with snapshotted lines (list price, product discount, voucher share, amount paid, and
what an attributed line earns its creator: ``shop.orders.terms``) and one payment for all of
them; clear the bought lines from the cart. Any reservation that fails rolls every one of
them back.

Paying (``mark_payment_succeeded``), in one transaction: lock the payment row; a payment that
already succeeded is left alone (so duplicate or late webhooks change nothing twice); move
each order ``pending_payment → paid``, count the sale, and post one ``order_paid`` ledger
entry per order (platform cash +total, the store owner's receivable +total; commission is
posted by the affiliate side as entries of its own); then announce ``order_paid``. Discounts
are seller-funded: ``total`` is already after them, so the store is owed what the buyer paid
and nothing else moves.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from core.extensions import db
from core.ledger.models import AccountKind, EntryKind
from core.ledger.services import Cause, account_for, credit, debit, post_entry
from core.money import format_money
from core.types import utcnow
from core.web.pagination import Page
from shop import signals
from shop.catalog.models import Product, ProductStatus, Variant
from shop.orders.cart import CartSummary, LineView, is_purchasable, remove_lines, summarise
from shop.orders.exceptions import (
    CartChanged,
    EmptyCheckout,
    MixedCurrencies,
    OutOfStock,
    PaymentClosed,
    PaymentMismatch,
)
from shop.orders.models import (
    Address,
    Cart,
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
)
from shop.orders.states import move
from shop.orders.terms import fix_commission_terms
from shop.payments.base import (
    CardDetails,
    PaymentProvider,
    PaymentRequest,
    ProviderPayment,
    ProviderStatus,
)
from shop.promotions.models import FlashDealPurchase, VoucherRedemption
from shop.promotions.pricing import CartPricing, StorePricing, VoucherQuote, price_cart
from shop.promotions.redemptions import (
    VoucherUnavailable,
    reserve_flash_units,
    take_voucher_use,
)

log = logging.getLogger(__name__)

DEFAULT_PAY_WITHIN = timedelta(minutes=30)
ORDER_PAID_ENTRY = EntryKind.ORDER_PAID


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


def _reserve(view: LineView) -> None:
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
    if not groups:
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
            _reserve(view)
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
    return payment


def _reserve_promotions(buyer_id: int, pricing: CartPricing, now: datetime) -> None:
    """Flash deal units (deal-id order), then voucher uses (voucher-id order), or raise."""
    deals = sorted(
        (line for store in pricing.stores for line in store.lines if line.flash_deal_id),
        key=lambda line: line.flash_deal_id or 0,
    )
    for line in deals:
        assert line.flash_deal_id is not None
        reserve_flash_units(
            line.flash_deal_id, buyer_id, line.quantity, title=_label(line.view), now=now
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


# ---------------------------------------------------------------------------- paying


def idempotency_key(payment: Payment) -> str:
    return f"payment-{payment.id}"


def _lock_payment(payment_id: int) -> Payment:
    payment = db.session.scalar(
        select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payment is None:
        raise PaymentMismatch(f"there is no payment {payment_id}")
    return payment


def _orders_of(payment: Payment, *, lock: bool = False) -> list[Order]:
    query = select(Order).where(Order.payment_id == payment.id).order_by(Order.id)
    if lock:
        query = query.with_for_update(of=Order).execution_options(populate_existing=True)
    return list(db.session.scalars(query).unique())


def ensure_payable(payment: Payment) -> None:
    """Raise ``PaymentClosed`` unless every order of the payment still waits for it, in time."""
    if payment.status == PaymentStatus.SUCCEEDED.value:
        raise PaymentClosed("This checkout is already paid.")
    now = utcnow()
    for order in _orders_of(payment):
        if order.status != OrderStatus.PENDING_PAYMENT.value:
            raise PaymentClosed()
        if order.pay_by is not None and order.pay_by < now:
            raise PaymentClosed(
                "The time to pay for this checkout has run out; its items are back on sale. "
                "Add them to your cart again to buy them."
            )


def open_provider_payment(payment: Payment, provider: PaymentProvider) -> ProviderPayment:
    """Create (or find again: the key is the payment's id) the provider's side of a payment.

    Call it after the transaction that placed the orders has committed: a provider call must
    not hold database locks, and a retry returns the same provider payment.
    """
    result = provider.create_payment(
        PaymentRequest(
            payment_id=payment.id,
            amount=payment.amount,
            currency=payment.currency,
            idempotency_key=idempotency_key(payment),
            description=f"Yellowcart checkout #{payment.id}",
        )
    )
    if payment.provider_ref is None:
        payment.provider_ref = result.ref
    elif payment.provider_ref != result.ref:
        raise PaymentMismatch(f"payment {payment.id} is {payment.provider_ref}, not {result.ref}")
    db.session.flush()
    return result


def pay_with_card(payment_id: int, provider: PaymentProvider, card: CardDetails) -> Payment:
    """Charge a card on our page (test provider): key, lock, call the provider, record.

    Raises ``PaymentClosed`` if the orders no longer wait, the provider's ``InvalidTestCard``
    for an unknown card; a decline is recorded on the payment (orders stay unpaid, stock stays
    reserved, the buyer may try another card).
    """
    payment = _lock_payment(payment_id)
    ensure_payable(payment)
    if payment.provider_ref is None:
        open_provider_payment(payment, provider)
    assert payment.provider_ref is not None
    result = provider.confirm(payment.provider_ref, card)
    if result.status is ProviderStatus.SUCCEEDED:
        mark_payment_succeeded(payment.id, result.ref)
    elif result.status is ProviderStatus.FAILED:
        mark_payment_failed(payment.id, result.ref, result.failure_reason or "Payment failed.")
    return payment


def _check_reference(payment: Payment, provider_ref: str | None) -> None:
    if provider_ref and payment.provider_ref and payment.provider_ref != provider_ref:
        raise PaymentMismatch(f"payment {payment.id} is {payment.provider_ref}, not {provider_ref}")


def mark_payment_succeeded(
    payment_id: int,
    provider_ref: str | None = None,
    *,
    amount: int | None = None,
    currency: str | None = None,
) -> list[Order]:
    """Record a successful payment and pay its orders; return the orders it paid.

    A payment that already succeeded is a no-op (returns ``[]``). ``amount``/``currency``,
    when the provider reports them, must match the payment (``PaymentMismatch`` otherwise).
    Orders that stopped waiting (cancelled after their time ran out) are left as they are
    and logged: the money for them needs a refund by staff.
    """
    payment = _lock_payment(payment_id)
    if payment.status == PaymentStatus.SUCCEEDED.value:
        return []
    _check_reference(payment, provider_ref)
    if amount is not None and amount != payment.amount:
        raise PaymentMismatch(f"payment {payment.id} is {payment.amount}, not {amount}")
    if currency is not None and currency.upper() != payment.currency:
        raise PaymentMismatch(f"payment {payment.id} is in {payment.currency}, not {currency}")
    now = utcnow()
    payment.provider_ref = payment.provider_ref or provider_ref
    payment.status = PaymentStatus.SUCCEEDED.value
    payment.succeeded_at = now
    payment.failure_reason = None
    paid: list[Order] = []
    sold: dict[int, int] = defaultdict(int)
    for order in _orders_of(payment, lock=True):
        if order.status != OrderStatus.PENDING_PAYMENT.value:
            log.error(
                "payment %s succeeded but order %s is %s: it needs a refund",
                payment.id,
                order.id,
                order.status,
            )
            continue
        move(order, OrderStatus.PAID)
        order.paid_at = now
        db.session.add(
            OrderEvent(
                order_id=order.id,
                kind="paid",
                note=f"Paid {format_money(order.total, order.currency)}",
            )
        )
        for line in order.lines:
            sold[line.product_id] += line.quantity
        _post_order_paid(order)
        paid.append(order)
    for product_id in sorted(sold):
        db.session.execute(
            update(Product)
            .where(Product.id == product_id)
            .values(sold_count=Product.sold_count + sold[product_id])
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    for order in paid:
        signals.order_paid.send(order)
    return paid


def _post_order_paid(order: Order) -> None:
    """Buyer's money into platform cash; the whole of it owed to the store (for now)."""
    if order.total <= 0:
        return
    cash = account_for(AccountKind.PLATFORM_CASH, currency=order.currency)
    receivable = account_for(
        AccountKind.SELLER_RECEIVABLE, currency=order.currency, owner_id=order.store.owner_id
    )
    post_entry(
        ORDER_PAID_ENTRY,
        Cause("order", order.id),
        [debit(cash, order.total), credit(receivable, order.total)],
        memo=f"Order #{order.id} paid",
    )


def mark_payment_failed(payment_id: int, provider_ref: str | None, reason: str) -> Payment:
    """Record a failed attempt; a payment that already succeeded stays succeeded."""
    payment = _lock_payment(payment_id)
    if payment.status == PaymentStatus.SUCCEEDED.value:
        return payment
    _check_reference(payment, provider_ref)
    payment.provider_ref = payment.provider_ref or provider_ref
    payment.status = PaymentStatus.FAILED.value
    payment.failure_reason = (reason or "Payment failed.")[:255]
    db.session.flush()
    return payment


# ---------------------------------------------------------------------------- buyer's reads


ORDERS_PER_PAGE = 10


def buyer_orders(buyer_id: int, page: int = 1, per_page: int = ORDERS_PER_PAGE) -> Page[Order]:
    """The buyer's orders, newest first, one page of them (paginated in the database)."""
    total = db.session.scalar(select(func.count(Order.id)).where(Order.buyer_id == buyer_id))
    query = (
        select(Order)
        .where(Order.buyer_id == buyer_id)
        .order_by(Order.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    items = list(db.session.scalars(query).unique())
    return Page(items=items, page=page, per_page=per_page, total=total or 0)


def get_buyer_order(buyer_id: int, order_id: int) -> Order | None:
    """The order if it is this buyer's (else None: another's order is as good as missing)."""
    if not 0 < order_id < 2**63:
        return None
    return db.session.scalar(
        select(Order)
        .where(Order.id == order_id, Order.buyer_id == buyer_id)
        .options(selectinload(Order.events), selectinload(Order.payment))
    )


def get_buyer_payment(buyer_id: int, payment_id: int) -> Payment | None:
    if not 0 < payment_id < 2**63:
        return None
    payment = db.session.get(Payment, payment_id)
    return payment if payment is not None and payment.buyer_id == buyer_id else None


def orders_of_payment(payment: Payment) -> list[Order]:
    return _orders_of(payment)
