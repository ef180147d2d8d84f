"""The voucher of a store's order, as ``price_cart`` applies it: the code the buyer entered
(or why it cannot apply: ``VoucherRefusal``), what it takes off which lines, and the best
public voucher to suggest when it would save more.

A voucher applies to its eligible lines (every line, or the voucher's products), with the
minimum spend measured on those lines after product discounts; its amount is
``rules.voucher_amount`` of those lines, spread over them by ``rules.allocate`` so that the
lines' shares sum exactly to it. A voucher never makes an order free: the order keeps at least
one cent to pay (a payment is never of zero).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import and_, func, literal, or_, select

from core.extensions import db
from core.money import format_money
from shop.catalog.models import Store
from shop.promotions.models import (
    DiscountKind,
    PromotionState,
    Voucher,
    VoucherProduct,
    VoucherRedemption,
    VoucherScope,
)
from shop.promotions.pricing.quotes import (
    PricedLine,
    Refusal,
    StorePricing,
    VoucherQuote,
    VoucherRefusal,
)
from shop.promotions.pricing.rules import allocate, voucher_amount
from shop.promotions.vouchers import voucher_terms

MIN_ORDER_TOTAL = 1  # a voucher leaves at least one cent to pay on its order


# ---------------------------------------------------------------------------- reads


def vouchers_for(
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


def voucher_products(
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


# ---------------------------------------------------------------------------- applying a code


def _money(amount: int, currency: str) -> str:
    return format_money(amount, currency)


def _eligible(voucher: Voucher, lines: list[PricedLine], covered: dict[int, set[int]]):
    lines = [line for line in lines if line.takes_voucher]  # live deal lines take none
    if voucher.scope == VoucherScope.STORE.value:
        return lines
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


def apply_code(
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


def suggest(
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


def spread(pricing: StorePricing) -> None:
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
