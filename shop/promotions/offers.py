"""What the buyer's pages show of product offers: the price of each option after its best running
offer (a product discount or a flash deal), and a listing card's lowest price against what.

Every read is batched: a function runs a fixed number of statements whatever the number of
products, variants or promotions, so a page that calls it once per page stays constant-query.
Unit prices come from ``shop.promotions.pricing.rules`` (the arithmetic checkout uses), so a
card, the product page and checkout never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product, Variant
from shop.promotions.models import (
    DiscountKind,
    FlashDeal,
    FlashDealPurchase,
    ProductDiscount,
    ProductDiscountTarget,
)
from shop.promotions.pricing.rules import Offer, best_offer, discounted_price
from shop.promotions.promoted import promoted_products

# ---------------------------------------------------------------------------- value objects


@dataclass(frozen=True)
class FlashDealView:
    """A running flash deal with units left, as a page shows it."""

    id: int
    product_id: int
    variant_id: int
    deal_price: int
    quantity: int
    left: int
    per_buyer_limit: int
    ends_at: datetime

    @property
    def ends_label(self) -> str:
        """The end time for pages without JavaScript: ``ends 25 Nov, 18:00 UTC``."""
        return f"ends {self.ends_at.day} {self.ends_at:%b, %H:%M} UTC"


def saving_percent(list_price: int, price: int) -> int:
    """The saving as a whole percent, half-up; never 0 for a real saving nor 100 for a price."""
    saving = list_price - price
    if saving <= 0 or list_price <= 0:
        return 0
    percent = (saving * 200 + list_price) // (2 * list_price)
    return min(max(percent, 1), 99 if price > 0 else 100)


@dataclass(frozen=True)
class VariantOffer:
    """One option's price after the best running offer (an offer that saves something)."""

    variant_id: int
    product_id: int
    list_price: int
    offer: Offer
    flash_deal: FlashDealView | None = None  # set when the offer is a flash deal
    ends_at: datetime | None = None

    @property
    def price(self) -> int:
        return self.offer.unit_price

    @property
    def saving(self) -> int:
        return self.offer.saving(self.list_price)

    @property
    def percent(self) -> int:
        return saving_percent(self.list_price, self.price)

    @property
    def is_flash_deal(self) -> bool:
        return self.flash_deal is not None


@dataclass(frozen=True)
class ProductOffer:
    """What a listing card shows: the lowest price after offers, and against what.

    ``price`` is the lowest price of any active option after its best offer; ``list_price`` is
    the list price of that same option, so the saving struck through is one a buyer really
    gets. When the cheapest option has no offer (a dearer option does), ``offer`` is None and
    nothing is struck through; ``flash_deal`` is the product's running deal, if any.
    """

    product_id: int
    variant_id: int
    list_price: int
    price: int
    offer: Offer | None = None
    flash_deal: FlashDealView | None = None
    price_varies: bool = False  # options cost different amounts after offers ("From $9")

    @property
    def saving(self) -> int:
        return self.list_price - self.price

    @property
    def percent(self) -> int:
        return saving_percent(self.list_price, self.price)

    @property
    def has_saving(self) -> bool:
        return self.saving > 0


# ---------------------------------------------------------------------------- offers


def _ids(items: Iterable[object]) -> list[int]:
    """Ids from objects or ids, in order, each once."""
    seen: dict[int, None] = {}
    for item in items:
        seen.setdefault(item if isinstance(item, int) else item.id, None)  # type: ignore[attr-defined]
    return list(seen)


@dataclass(frozen=True)
class _Priced:
    variant_id: int
    product_id: int
    list_price: int


_DiscountTerms = tuple[int, int | None, int | None]  # discount id, percent bps, amount off
_Discounts = dict[int, list[tuple[int | None, _DiscountTerms, datetime]]]


def _discount_offers(product_ids: Sequence[int], now: datetime) -> _Discounts:
    """Running product discounts by product: (variant, or None for all, terms, end)."""
    if not product_ids:
        return {}
    rows = db.session.execute(
        select(
            ProductDiscountTarget.product_id,
            ProductDiscountTarget.variant_id,
            ProductDiscount.id,
            ProductDiscount.kind,
            ProductDiscount.percent_bps,
            ProductDiscount.amount_off,
            ProductDiscount.ends_at,
            ProductDiscount.ended_at,
        )
        .join(ProductDiscount, ProductDiscount.id == ProductDiscountTarget.discount_id)
        .join(Product, Product.id == ProductDiscountTarget.product_id)
        .where(
            ProductDiscountTarget.product_id.in_(product_ids),
            Product.store_id == ProductDiscount.store_id,  # as checkout: the store's own only
            ProductDiscount.running_at(now),
        )
    ).all()
    found: _Discounts = defaultdict(list)
    for product_id, variant_id, discount_id, kind, bps, amount_off, ends_at, ended_at in rows:
        # The unit price depends on the variant's list price; store the terms, price later.
        terms = (discount_id, bps if kind == DiscountKind.PERCENT.value else None, amount_off)
        ends = min(ends_at, ended_at) if ended_at is not None else ends_at
        found[product_id].append((variant_id, terms, ends))
    return found


def _flash_deals(
    product_ids: Sequence[int], now: datetime, buyer_id: int | None = None
) -> dict[int, list[FlashDealView]]:
    """Running flash deals with units left, by variant; without those the buyer has used up."""
    if not product_ids:
        return {}
    rows = db.session.execute(
        select(FlashDeal, Variant.product_id)
        .join(Variant, Variant.id == FlashDeal.variant_id)
        .where(
            Variant.product_id.in_(product_ids),
            Variant.store_id == FlashDeal.store_id,  # as checkout: the store's own only
            FlashDeal.running_at(now),
            FlashDeal.sold < FlashDeal.quantity,
        )
    ).all()
    deals = [deal for deal, _ in rows]
    product_of = {deal.id: product_id for deal, product_id in rows}
    taken: dict[int, int] = {}
    if buyer_id is not None and deals:
        taken = dict(
            db.session.execute(
                select(FlashDealPurchase.deal_id, func.sum(FlashDealPurchase.quantity))
                .where(
                    FlashDealPurchase.buyer_id == buyer_id,
                    FlashDealPurchase.deal_id.in_([deal.id for deal in deals]),
                    FlashDealPurchase.released_at.is_(None),
                )
                .group_by(FlashDealPurchase.deal_id)
            ).all()
        )
    found: dict[int, list[FlashDealView]] = defaultdict(list)
    for deal in deals:
        if taken.get(deal.id, 0) >= deal.per_buyer_limit:
            continue
        ends_at = min(deal.ends_at, deal.ended_at) if deal.ended_at else deal.ends_at
        found[deal.variant_id].append(
            FlashDealView(
                id=deal.id,
                product_id=product_of[deal.id],
                variant_id=deal.variant_id,
                deal_price=deal.deal_price,
                quantity=deal.quantity,
                left=deal.left,
                per_buyer_limit=deal.per_buyer_limit,
                ends_at=ends_at,
            )
        )
    return found


def _price_variants(
    variants: Sequence[_Priced],
    discounts: _Discounts,
    deals: dict[int, list[FlashDealView]],
) -> dict[int, VariantOffer]:
    """Each variant's best offer (through ``rules.best_offer``), for those with a saving."""
    result: dict[int, VariantOffer] = {}
    for variant in variants:
        offers: list[Offer] = []
        ends: dict[tuple[str, int], datetime] = {}
        for target_variant, (discount_id, bps, amount_off), ends_at in discounts.get(
            variant.product_id, ()
        ):
            if target_variant is not None and target_variant != variant.variant_id:
                continue
            price = discounted_price(variant.list_price, percent_bps=bps, amount_off=amount_off)
            offers.append(Offer("discount", discount_id, price))
            ends[("discount", discount_id)] = ends_at
        by_id = {deal.id: deal for deal in deals.get(variant.variant_id, ())}
        for deal in by_id.values():
            offers.append(Offer("flash_deal", deal.id, deal.deal_price))
            ends[("flash_deal", deal.id)] = deal.ends_at
        chosen = best_offer(variant.list_price, offers)
        if chosen is None:
            continue
        result[variant.variant_id] = VariantOffer(
            variant_id=variant.variant_id,
            product_id=variant.product_id,
            list_price=variant.list_price,
            offer=chosen,
            flash_deal=by_id.get(chosen.promotion_id) if chosen.kind == "flash_deal" else None,
            ends_at=ends[(chosen.kind, chosen.promotion_id)],
        )
    return result


def variant_offers(
    variants: Iterable[Variant | int], now: datetime | None = None, buyer_id: int | None = None
) -> dict[int, VariantOffer]:
    """Each given variant's price after its best running offer (only variants with a saving).

    Pass loaded ``Variant`` objects (no extra statement) or ids. With ``buyer_id``, flash deals
    that the buyer has already bought up to their limit are left out, as checkout does.
    """
    now = now or utcnow()
    items = list(variants)
    loaded = [v for v in items if isinstance(v, Variant)]
    ids = [v for v in items if isinstance(v, int)]
    priced = [_Priced(v.id, v.product_id, v.price) for v in loaded]
    if ids:
        rows = db.session.execute(
            select(Variant.id, Variant.product_id, Variant.price).where(Variant.id.in_(ids))
        ).all()
        priced.extend(_Priced(*row) for row in rows)
    product_ids = sorted({v.product_id for v in priced})
    return _price_variants(
        priced, _discount_offers(product_ids, now), _flash_deals(product_ids, now, buyer_id)
    )


def _summarise(
    product_id: int, offers: Sequence[VariantOffer], variants: Sequence[_Priced]
) -> ProductOffer | None:
    """The card's view of one product from its options' offers (None: nothing to show)."""
    if not offers or not variants:
        return None
    by_variant = {offer.variant_id: offer for offer in offers}

    def after(variant: _Priced) -> tuple[int, int, int]:
        offer = by_variant.get(variant.variant_id)
        price = offer.price if offer else variant.list_price
        return (price, -(variant.list_price - price), variant.variant_id)

    cheapest = min(variants, key=after)
    finals = {after(variant)[0] for variant in variants}
    chosen = by_variant.get(cheapest.variant_id)
    deals = [offer.flash_deal for offer in offers if offer.flash_deal is not None]
    deal = (
        chosen.flash_deal
        if chosen and chosen.flash_deal
        else min(deals, key=lambda d: (d.deal_price, d.ends_at, d.id), default=None)
    )
    return ProductOffer(
        product_id=product_id,
        variant_id=cheapest.variant_id,
        list_price=cheapest.list_price,
        price=chosen.price if chosen else cheapest.list_price,
        offer=chosen.offer if chosen else None,
        flash_deal=deal,
        price_varies=len(finals) > 1,
    )


def product_offer(
    variants: Sequence[Variant], offers: dict[int, VariantOffer]
) -> ProductOffer | None:
    """The card's view of one product from ``variant_offers`` of its active variants."""
    priced = [_Priced(v.id, v.product_id, v.price) for v in variants]
    if not priced:
        return None
    mine = [offers[v.variant_id] for v in priced if v.variant_id in offers]
    return _summarise(priced[0].product_id, mine, priced)


def product_offers(
    products: Iterable[Product | int], now: datetime | None = None
) -> dict[int, ProductOffer]:
    """For listing cards: each product's lowest price after offers, for products with any.

    At most three statements whatever the number of products and promotions: running
    discounts, running flash deals with units left, and (only if either found something) the
    active variants of the products concerned. None when the page cache is on and no product
    is among ``promoted.promoted_products`` (the products a promotion names, per version).
    """
    now = now or utcnow()
    product_ids = _ids(products)
    promoted = promoted_products(now)  # kept per catalogue version: no statement
    if promoted is not None:
        product_ids = [product_id for product_id in product_ids if product_id in promoted]
    if not product_ids:
        return {}
    discounts = _discount_offers(product_ids, now)
    deals = _flash_deals(product_ids, now)
    concerned = set(discounts) | {deal.product_id for found in deals.values() for deal in found}
    if not concerned:
        return {}
    rows = db.session.execute(
        select(Variant.id, Variant.product_id, Variant.price)
        .where(Variant.product_id.in_(sorted(concerned)), Variant.active.is_(True))
        .order_by(Variant.product_id, Variant.position, Variant.id)
    ).all()
    variants: dict[int, list[_Priced]] = defaultdict(list)
    for row in rows:
        variants[row.product_id].append(_Priced(*row))
    priced = _price_variants([_Priced(*row) for row in rows], discounts, deals)
    by_product: dict[int, list[VariantOffer]] = defaultdict(list)
    for offer in priced.values():
        by_product[offer.product_id].append(offer)
    result: dict[int, ProductOffer] = {}
    for product_id in product_ids:
        summary = _summarise(product_id, by_product.get(product_id, []), variants[product_id])
        if summary is not None:
            result[product_id] = summary
    return result
