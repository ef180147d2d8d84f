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

A **live deal** on the line's variant, for the content the line was added from (its
attribution), comes first when it runs, has the units and keeps the buyer within its limit:
see the precedence in ``rules``. Lines at a live deal's price take no share of the voucher.

Per store (one order), at most one voucher: the code the buyer entered for that store
(trimmed and upper-cased), applied by ``codes`` (or refused, saying why:
``VoucherRefusal``). Each store also gets the best public voucher the buyer could apply now and
that saves more than the one applied, for an "Apply" suggestion. The answers are the types of
``quotes``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select

from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Store
from shop.orders.cart import LineView
from shop.promotions.live_deal_models import LiveDeal, LiveDealPurchase
from shop.promotions.models import (
    DiscountKind,
    FlashDeal,
    FlashDealPurchase,
    ProductDiscount,
    ProductDiscountTarget,
    PromotionState,
    Voucher,
)
from shop.promotions.pricing.codes import (
    apply_code,
    spread,
    suggest,
    voucher_products,
    vouchers_for,
)
from shop.promotions.pricing.quotes import (
    DISCOUNT,
    FLASH_DEAL,
    LIVE_DEAL,
    CartPricing,
    PricedLine,
    StorePricing,
)
from shop.promotions.pricing.rules import Offer, discounted_price, line_offer


def normalise_code(text: str | None) -> str:
    """A code as stored: trimmed and upper-case (codes are case-insensitive)."""
    return (text or "").strip().upper()


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


@dataclass(frozen=True)
class _LiveDeal:
    id: int
    store_id: int
    content_type: str
    content_id: int
    deal_price: int
    left: int
    per_buyer_limit: int
    taken: int


def _live_deals(
    variant_ids: Sequence[int], buyer_id: int | None, now: datetime
) -> dict[int, list[_LiveDeal]]:
    """Running live deals with units left, by variant, with the buyer's units held."""
    if not variant_ids:
        return {}
    if buyer_id is None:
        taken = literal(0)
    else:
        taken = (
            select(func.coalesce(func.sum(LiveDealPurchase.quantity), 0))
            .where(
                LiveDealPurchase.deal_id == LiveDeal.id,
                LiveDealPurchase.buyer_id == buyer_id,
                LiveDealPurchase.released_at.is_(None),
            )
            .scalar_subquery()
        )
    rows = db.session.execute(
        select(
            LiveDeal.variant_id,
            LiveDeal.id,
            LiveDeal.store_id,
            LiveDeal.content_type,
            LiveDeal.content_id,
            LiveDeal.deal_price,
            LiveDeal.quantity - LiveDeal.sold,
            LiveDeal.per_buyer_limit,
            taken,
        ).where(
            LiveDeal.variant_id.in_(variant_ids),
            LiveDeal.running_at(now),
            LiveDeal.sold < LiveDeal.quantity,
        )
    ).all()
    found: dict[int, list[_LiveDeal]] = defaultdict(list)
    for variant_id, *values in rows:
        found[variant_id].append(_LiveDeal(*values))
    return found


def _live_offer(view: LineView, deals: list[_LiveDeal]) -> tuple[Offer | None, str | None]:
    """The live deal of the content the line came from, if it applies (or why not)."""
    line, store_id = view.line, view.product.store_id
    for deal in deals:
        if deal.store_id != store_id or deal.deal_price >= view.variant.price:
            continue
        if (line.content_type, line.content_id) != (deal.content_type, deal.content_id):
            continue
        allowed = min(deal.left, deal.per_buyer_limit - deal.taken)
        if line.quantity <= allowed:
            return Offer(LIVE_DEAL, deal.id, deal.deal_price), None
        if deal.taken >= deal.per_buyer_limit:
            return None, f"You have had this live deal's limit ({deal.per_buyer_limit} per buyer)."
        return None, f"Live deal price for up to {allowed}: lower the quantity to get it."
    return None, None


# ---------------------------------------------------------------------------- lines


def _price_line(
    view: LineView,
    discounts: list[_Discount],
    deals: list[_Deal],
    live_deals: list[_LiveDeal],
) -> PricedLine:
    list_price, quantity = view.variant.price, view.line.quantity
    live, live_note = _live_offer(view, live_deals)
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
    note = live_note or note
    offer = line_offer(list_price, live, offers)
    if offer is None:
        return PricedLine(view, note=note)
    if offer.kind in (FLASH_DEAL, LIVE_DEAL):
        note = None
    return PricedLine(view, offer, (list_price - offer.unit_price) * quantity, note=note)


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
    live_deals = _live_deals(
        sorted({view.variant.id for view in lines if view.line.content_id is not None}),
        buyer_id,
        now,
    )
    found = (
        vouchers_for(sorted(set(entered.values())), sorted(by_store), buyer_id, now)
        if lines
        else []
    )
    covered = voucher_products([voucher for voucher, _, _ in found], product_ids)
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
            _price_line(
                view,
                discounts.get(view.product.id, []),
                deals.get(view.variant.id, []),
                live_deals.get(view.variant.id, []),
            )
            for view in views
        ]
        pricing = StorePricing(store=stores[store_id], lines=priced, code=entered.get(store_id))
        if pricing.code:
            apply_code(pricing, by_code.get(pricing.code), covered, now)
        suggest(pricing, public.get(store_id, []), covered)
        spread(pricing)
        result.append(pricing)
    return CartPricing(result)
