"""Pricing a cart: each line's best product offer and each store's voucher, at one moment.

``price_cart`` is what the cart and checkout pages show and what ``place_orders`` charges, so
the two never differ. It reads, never writes, and runs a fixed number of statements whatever
the number of lines, stores or promotions (discounts, flash deals, vouchers, the products
of product-scoped vouchers).

Per line, at most one product-level offer applies, the best for the buyer
(``rules.best_offer``): a running product discount on its product or variant, or a running
flash deal on its variant that has units left for the whole quantity and keeps the buyer
within the deal's per-buyer limit. ``product_discount = (list − offer price) × quantity``;
an offer price is never below one cent a unit.

Per store (one order), at most one voucher: the code the buyer entered for that store
(trimmed and upper-cased). It applies to its eligible lines (every line, or the voucher's
products), with the minimum spend measured on those lines after product discounts; its
amount is ``rules.voucher_amount`` of those lines, spread over them by ``rules.allocate`` so
that the lines' shares sum exactly to it. A voucher never makes an order free: the order
keeps at least one cent to pay (a payment is never of zero). A code that cannot apply says
why (``VoucherRefusal``). Each store also gets the best public voucher the buyer could apply
now and that saves more than the one applied, for an "Apply" suggestion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import and_, func, literal, or_, select

from core.extensions import db
from core.money import format_money
from core.types import utcnow
from shop.catalog.models import Store
from shop.orders.cart import LineView
from shop.promotions.display import voucher_terms
from shop.promotions.models import (
    DiscountKind,
    FlashDeal,
    FlashDealPurchase,
    ProductDiscount,
    ProductDiscountTarget,
    PromotionState,
    Voucher,
    VoucherProduct,
    VoucherRedemption,
    VoucherScope,
)
from shop.promotions.rules import Offer, allocate, best_offer, discounted_price, voucher_amount

MIN_ORDER_TOTAL = 1  # a voucher leaves at least one cent to pay on its order
DISCOUNT = "discount"
FLASH_DEAL = "flash_deal"


def normalise_code(text: str | None) -> str:
    """A code as stored: trimmed and upper-case (codes are case-insensitive)."""
    return (text or "").strip().upper()


# ---------------------------------------------------------------------------- results


class Refusal(StrEnum):
    UNKNOWN = "unknown"
    OTHER_STORE = "other_store"
    NOT_STARTED = "not_started"
    ENDED = "ended"
    NOT_FOR_THESE = "not_for_these_products"
    MIN_SPEND = "min_spend"
    USED_UP = "used_up"
    USED_BY_YOU = "used_by_you"
    NOTHING_OFF = "nothing_off"


@dataclass(frozen=True)
class VoucherRefusal:
    """Why a code cannot apply to a store's order; ``message`` is for the buyer."""

    code: str
    reason: Refusal
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class PricedLine:
    """One cart line with its offer and its share of the store's voucher."""

    view: LineView
    offer: Offer | None = None
    product_discount: int = 0
    voucher_discount: int = 0
    note: str | None = None  # e.g. why a flash deal does not apply to this quantity

    @property
    def line_id(self) -> int:
        return self.view.line.id

    @property
    def quantity(self) -> int:
        return self.view.line.quantity

    @property
    def list_price(self) -> int:
        return self.view.variant.price

    @property
    def unit_price(self) -> int:
        """The unit price after the product offer (before the voucher)."""
        return self.offer.unit_price if self.offer else self.list_price

    @property
    def list_amount(self) -> int:
        return self.list_price * self.quantity

    @property
    def offer_amount(self) -> int:
        """What the line comes to after its product offer, before the voucher."""
        return self.list_amount - self.product_discount

    @property
    def discount(self) -> int:
        return self.product_discount + self.voucher_discount

    @property
    def amount(self) -> int:
        """What the buyer pays for the line."""
        return self.list_amount - self.discount

    @property
    def product_discount_id(self) -> int | None:
        return self.offer.promotion_id if self.offer and self.offer.kind == DISCOUNT else None

    @property
    def flash_deal_id(self) -> int | None:
        return self.offer.promotion_id if self.offer and self.offer.kind == FLASH_DEAL else None


@dataclass(frozen=True)
class VoucherQuote:
    """A voucher and what it takes off one store's order, over which lines."""

    voucher: Voucher
    amount: int
    line_ids: tuple[int, ...]
    terms: str

    @property
    def code(self) -> str:
        return self.voucher.code


@dataclass
class StorePricing:
    """One store's lines (one order): product offers, the voucher, totals before and after."""

    store: Store
    lines: list[PricedLine]
    code: str | None = None  # the code the buyer entered for this store, normalised
    voucher: VoucherQuote | None = None  # the voucher applied
    refusal: VoucherRefusal | None = None  # why the code entered cannot apply
    suggestion: VoucherQuote | None = None  # the best public voucher, if it saves more

    @property
    def currency(self) -> str:
        return self.store.currency

    @property
    def subtotal(self) -> int:
        """The lines at list price: the total before any discount."""
        return sum(line.list_amount for line in self.lines)

    @property
    def product_discount(self) -> int:
        return sum(line.product_discount for line in self.lines)

    @property
    def voucher_discount(self) -> int:
        return self.voucher.amount if self.voucher else 0

    @property
    def discount(self) -> int:
        return self.product_discount + self.voucher_discount

    @property
    def total(self) -> int:
        return self.subtotal - self.discount


@dataclass
class CartPricing:
    stores: list[StorePricing] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lines = {line.line_id: line for store in self.stores for line in store.lines}
        self._stores = {store.store.id: store for store in self.stores}

    def line(self, line_id: int) -> PricedLine | None:
        return self._lines.get(line_id)

    def store(self, store_id: int) -> StorePricing | None:
        return self._stores.get(store_id)

    def line_discount(self, line_id: int) -> int:
        line = self._lines.get(line_id)
        return line.discount if line else 0

    def voucher_code(self, store_id: int) -> str | None:
        store = self._stores.get(store_id)
        return store.voucher.code if store and store.voucher else None

    def for_currency(self, currency: str) -> list[StorePricing]:
        return [store for store in self.stores if store.currency == currency]

    def subtotal(self, currency: str) -> int:
        return sum(store.subtotal for store in self.for_currency(currency))

    def discount(self, currency: str) -> int:
        return sum(store.discount for store in self.for_currency(currency))

    def total(self, currency: str) -> int:
        return sum(store.total for store in self.for_currency(currency))

    def totals(self) -> dict[str, tuple[int, int]]:
        """Per currency: (before discounts, after), in a stable order."""
        currencies = sorted({store.currency for store in self.stores})
        return {c: (self.subtotal(c), self.total(c)) for c in currencies}

    @property
    def refusals(self) -> list[VoucherRefusal]:
        return [store.refusal for store in self.stores if store.refusal is not None]


# ---------------------------------------------------------------------------- reads


@dataclass(frozen=True)
class _Discount:
    id: int
    store_id: int
    variant_id: int | None
    percent_bps: int | None
    amount_off: int | None


@dataclass(frozen=True)
class _Deal:
    id: int
    store_id: int
    deal_price: int
    left: int
    per_buyer_limit: int
    taken: int  # units this buyer holds from earlier orders (not released)


def _discounts(product_ids: Sequence[int], now: datetime) -> dict[int, list[_Discount]]:
    """Running product discounts by product (one statement)."""
    if not product_ids:
        return {}
    rows = db.session.execute(
        select(
            ProductDiscountTarget.product_id,
            ProductDiscountTarget.variant_id,
            ProductDiscount.id,
            ProductDiscount.store_id,
            ProductDiscount.kind,
            ProductDiscount.percent_bps,
            ProductDiscount.amount_off,
        )
        .join(ProductDiscount, ProductDiscount.id == ProductDiscountTarget.discount_id)
        .where(ProductDiscountTarget.product_id.in_(product_ids), ProductDiscount.running_at(now))
    ).all()
    found: dict[int, list[_Discount]] = defaultdict(list)
    for product_id, variant_id, discount_id, store_id, kind, bps, amount_off in rows:
        percent = kind == DiscountKind.PERCENT.value
        found[product_id].append(
            _Discount(
                discount_id,
                store_id,
                variant_id,
                bps if percent else None,
                None if percent else amount_off,
            )
        )
    return found


def _deals(
    variant_ids: Sequence[int], buyer_id: int | None, now: datetime
) -> dict[int, list[_Deal]]:
    """Running flash deals with units left, by variant, with the buyer's units held."""
    if not variant_ids:
        return {}
    if buyer_id is None:
        taken = literal(0)
    else:
        taken = (
            select(func.coalesce(func.sum(FlashDealPurchase.quantity), 0))
            .where(
                FlashDealPurchase.deal_id == FlashDeal.id,
                FlashDealPurchase.buyer_id == buyer_id,
                FlashDealPurchase.released_at.is_(None),
            )
            .scalar_subquery()
        )
    rows = db.session.execute(
        select(
            FlashDeal.variant_id,
            FlashDeal.id,
            FlashDeal.store_id,
            FlashDeal.deal_price,
            FlashDeal.quantity - FlashDeal.sold,
            FlashDeal.per_buyer_limit,
            taken,
        ).where(
            FlashDeal.variant_id.in_(variant_ids),
            FlashDeal.running_at(now),
            FlashDeal.sold < FlashDeal.quantity,
        )
    ).all()
    found: dict[int, list[_Deal]] = defaultdict(list)
    for variant_id, *values in rows:
        found[variant_id].append(_Deal(*values))
    return found


def _vouchers(
    codes: Sequence[str], store_ids: Sequence[int], buyer_id: int | None, now: datetime
) -> list[tuple[Voucher, str, int]]:
    """The vouchers of the codes entered, and the stores' usable public vouchers: each with
    its store's name and this buyer's unreleased uses (one statement)."""
    if buyer_id is None:
        used = literal(0)
    else:
        used = (
            select(func.count(VoucherRedemption.id))
            .where(
                VoucherRedemption.voucher_id == Voucher.id,
                VoucherRedemption.buyer_id == buyer_id,
                VoucherRedemption.released_at.is_(None),
            )
            .scalar_subquery()
        )
    public = and_(
        Voucher.store_id.in_(store_ids),
        Voucher.public.is_(True),
        Voucher.creator_id.is_(None),
        Voucher.running_at(now),
        or_(Voucher.total_uses.is_(None), Voucher.used_count < Voucher.total_uses),
    )
    wanted = or_(Voucher.code.in_(codes), public) if codes else public
    rows = db.session.execute(
        select(Voucher, Store.name, used)
        .join(Store, Store.id == Voucher.store_id)
        .where(wanted)
        .order_by(Voucher.id)
    ).all()
    return [(voucher, store_name, int(uses)) for voucher, store_name, uses in rows]


def _voucher_products(
    vouchers: Sequence[Voucher], product_ids: Sequence[int]
) -> dict[int, set[int]]:
    """For product-scoped vouchers: which of these products each covers."""
    ids = [v.id for v in vouchers if v.scope == VoucherScope.PRODUCTS.value]
    if not ids or not product_ids:
        return {}
    rows = db.session.execute(
        select(VoucherProduct.voucher_id, VoucherProduct.product_id).where(
            VoucherProduct.voucher_id.in_(ids), VoucherProduct.product_id.in_(product_ids)
        )
    ).all()
    covered: dict[int, set[int]] = defaultdict(set)
    for voucher_id, product_id in rows:
        covered[voucher_id].add(product_id)
    return covered


# ---------------------------------------------------------------------------- lines


def _price_line(view: LineView, discounts: list[_Discount], deals: list[_Deal]) -> PricedLine:
    list_price, quantity = view.variant.price, view.line.quantity
    store_id = view.product.store_id
    offers = [
        Offer(
            DISCOUNT,
            d.id,
            discounted_price(list_price, percent_bps=d.percent_bps, amount_off=d.amount_off),
        )
        for d in discounts
        if d.store_id == store_id and d.variant_id in (None, view.variant.id)
    ]
    note = None
    for deal in deals:
        if deal.store_id != store_id or deal.deal_price >= list_price:
            continue
        allowed = min(deal.left, deal.per_buyer_limit - deal.taken)
        if quantity <= allowed:
            offers.append(Offer(FLASH_DEAL, deal.id, deal.deal_price))
        elif allowed > 0:
            note = f"Flash deal price for up to {allowed}: lower the quantity to get it."
        elif deal.taken >= deal.per_buyer_limit:
            note = f"You have had this flash deal's limit ({deal.per_buyer_limit} per buyer)."
    offer = best_offer(list_price, offers)
    if offer is None:
        return PricedLine(view, note=note)
    if offer.kind == FLASH_DEAL:
        note = None
    return PricedLine(view, offer, (list_price - offer.unit_price) * quantity, note=note)


# ---------------------------------------------------------------------------- vouchers


def _money(amount: int, currency: str) -> str:
    return format_money(amount, currency)


def _eligible(voucher: Voucher, lines: list[PricedLine], covered: dict[int, set[int]]):
    if voucher.scope == VoucherScope.STORE.value:
        return list(lines)
    products = covered.get(voucher.id, set())
    return [line for line in lines if line.view.product.id in products]


def _quote(
    voucher: Voucher,
    lines: list[PricedLine],
    covered: dict[int, set[int]],
    currency: str,
) -> tuple[VoucherQuote | None, list[PricedLine], int]:
    """What the voucher takes off these lines (None if nothing), its lines and their amount."""
    eligible = _eligible(voucher, lines, covered)
    spend = sum(line.offer_amount for line in eligible)
    percent = voucher.kind == DiscountKind.PERCENT.value
    amount = voucher_amount(
        spend,
        percent_bps=voucher.percent_bps if percent else None,
        cap_amount=voucher.cap_amount if percent else None,
        amount_off=None if percent else voucher.amount_off,
    )
    order_total = sum(line.offer_amount for line in lines)
    amount = min(amount, order_total - MIN_ORDER_TOTAL)
    if not eligible or amount <= 0:
        return None, eligible, spend
    quote = VoucherQuote(
        voucher,
        amount,
        tuple(line.line_id for line in eligible),
        voucher_terms(voucher, currency),
    )
    return quote, eligible, spend


def _check(
    voucher: Voucher | None,
    code: str,
    store: Store,
    other_store: str | None,
    uses: int,
    now: datetime,
) -> VoucherRefusal | None:
    """Why ``voucher`` (the code's) cannot apply to the store's order, before its lines."""
    if voucher is None:
        return VoucherRefusal(code, Refusal.UNKNOWN, f"There is no voucher with the code {code}.")
    if voucher.store_id != store.id:
        return VoucherRefusal(
            code,
            Refusal.OTHER_STORE,
            f"{code} is a code of {other_store or 'another store'}: it cannot be used on "
            f"your order from {store.name}.",
        )
    state = voucher.state_at(now)
    if state is PromotionState.SCHEDULED:
        return VoucherRefusal(
            code,
            Refusal.NOT_STARTED,
            f"{code} is not valid yet: it starts on {voucher.starts_at:%d %b %Y, %H:%M} UTC.",
        )
    if state is PromotionState.ENDED:
        if voucher.ended_at is not None and voucher.ended_at < voucher.ends_at:
            message = f"{code} has ended: the seller ended it on {voucher.ended_at:%d %b %Y}."
        else:
            message = f"{code} has expired: it ended on {voucher.ends_at:%d %b %Y, %H:%M} UTC."
        return VoucherRefusal(code, Refusal.ENDED, message)
    if voucher.total_uses is not None and voucher.used_count >= voucher.total_uses:
        return VoucherRefusal(code, Refusal.USED_UP, f"{code} has been used up.")
    if uses >= voucher.per_buyer_limit:
        times = "once" if voucher.per_buyer_limit == 1 else f"{voucher.per_buyer_limit} times"
        return VoucherRefusal(
            code,
            Refusal.USED_BY_YOU,
            f"You have already used {code} (it can be used {times} per buyer).",
        )
    return None


def _apply_code(
    pricing: StorePricing,
    found: tuple[Voucher, str, int] | None,
    covered: dict[int, set[int]],
    now: datetime,
) -> None:
    code = pricing.code or ""
    voucher, other_store, uses = found if found else (None, None, 0)
    refusal = _check(voucher, code, pricing.store, other_store, uses, now)
    if refusal is None:
        assert voucher is not None
        quote, eligible, spend = _quote(voucher, pricing.lines, covered, pricing.currency)
        currency = pricing.currency
        if not eligible:
            refusal = VoucherRefusal(
                code, Refusal.NOT_FOR_THESE, f"{code} is not for the items in your order."
            )
        elif spend < voucher.min_spend:
            on = "its products" if voucher.scope == VoucherScope.PRODUCTS.value else "this store"
            refusal = VoucherRefusal(
                code,
                Refusal.MIN_SPEND,
                f"{code} needs a minimum spend of {_money(voucher.min_spend, currency)} on {on}"
                f"; your order comes to {_money(spend, currency)}.",
            )
        elif quote is None:
            refusal = VoucherRefusal(
                code, Refusal.NOTHING_OFF, f"{code} takes nothing off this order."
            )
        else:
            pricing.voucher = quote
    pricing.refusal = refusal


def _usable(voucher: Voucher, uses: int) -> bool:
    within_total = voucher.total_uses is None or voucher.used_count < voucher.total_uses
    return within_total and uses < voucher.per_buyer_limit


def _suggest(
    pricing: StorePricing,
    candidates: list[tuple[Voucher, int]],
    covered: dict[int, set[int]],
) -> None:
    """The best public voucher the buyer could apply now, if it saves more than the applied."""
    best: VoucherQuote | None = None
    for voucher, uses in candidates:
        if not _usable(voucher, uses):
            continue
        quote, _eligible_lines, spend = _quote(voucher, pricing.lines, covered, pricing.currency)
        if quote is None or spend < voucher.min_spend:
            continue
        if best is None or quote.amount > best.amount:
            best = quote
    applied = pricing.voucher
    if best is not None and (applied is None or best.amount > applied.amount):
        pricing.suggestion = best


def _allocate(pricing: StorePricing) -> None:
    """Spread the applied voucher over its lines, in whole cents, summing exactly."""
    quote = pricing.voucher
    if quote is None:
        return
    on = set(quote.line_ids)
    targets = [line for line in pricing.lines if line.line_id in on]
    shares = allocate(quote.amount, [line.offer_amount for line in targets])
    by_line = {line.line_id: share for line, share in zip(targets, shares, strict=True)}
    pricing.lines = [
        replace(line, voucher_discount=by_line.get(line.line_id, 0)) for line in pricing.lines
    ]


# ---------------------------------------------------------------------------- the cart


def price_cart(
    lines: Sequence[LineView],
    *,
    buyer_id: int | None,
    codes: Mapping[int, str],
    now: datetime | None = None,
) -> CartPricing:
    """Price ``lines`` per store for ``buyer_id`` at ``now``, with the codes entered per store.

    Pass the lines that can be bought (``StoreGroup.available_lines``). Stores come in the
    order of their first line. ``codes`` maps a store id to the code the buyer entered for
    that store's order (blank codes are ignored). Writes nothing.
    """
    now = now or utcnow()
    product_ids = sorted({view.product.id for view in lines})
    variant_ids = sorted({view.variant.id for view in lines})
    by_store: dict[int, list[LineView]] = {}
    stores: dict[int, Store] = {}
    for view in lines:
        by_store.setdefault(view.product.store_id, []).append(view)
        stores.setdefault(view.product.store_id, view.product.store)
    entered = {
        store_id: normalise_code(code)
        for store_id, code in codes.items()
        if store_id in by_store and normalise_code(code)
    }
    discounts = _discounts(product_ids, now)
    deals = _deals(variant_ids, buyer_id, now)
    found = (
        _vouchers(sorted(set(entered.values())), sorted(by_store), buyer_id, now) if lines else []
    )
    covered = _voucher_products([voucher for voucher, _, _ in found], product_ids)
    by_code = {voucher.code: (voucher, name, uses) for voucher, name, uses in found}
    public: dict[int, list[tuple[Voucher, int]]] = defaultdict(list)
    for voucher, _, uses in found:
        if (
            voucher.public
            and voucher.creator_id is None
            and voucher.state_at(now) is (PromotionState.RUNNING)
        ):
            public[voucher.store_id].append((voucher, uses))

    result: list[StorePricing] = []
    for store_id, views in by_store.items():
        priced = [
            _price_line(view, discounts.get(view.product.id, []), deals.get(view.variant.id, []))
            for view in views
        ]
        pricing = StorePricing(store=stores[store_id], lines=priced, code=entered.get(store_id))
        if pricing.code:
            _apply_code(pricing, by_code.get(pricing.code), covered, now)
        _suggest(pricing, public.get(store_id, []), covered)
        _allocate(pricing)
        result.append(pricing)
    return CartPricing(result)
