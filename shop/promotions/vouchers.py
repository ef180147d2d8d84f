"""What the buyer's pages show of vouchers: a store's public vouchers with their terms,
collecting one into the buyer's wallet, and the wallet with what each voucher can still do.

Every read is batched (a fixed number of statements per page). A voucher's terms read as a
buyer says them (``voucher_terms``: "10% off, up to $20, orders of $50 or more"); checkout's
quotes use the same words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from babel.numbers import format_currency
from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.money import format_money, minor_units, to_decimal
from core.types import utcnow
from shop.catalog.models import Store
from shop.promotions.exceptions import CollectError, VoucherNotFound
from shop.promotions.models import (
    DiscountKind,
    PromotionState,
    Voucher,
    VoucherCollection,
    VoucherProduct,
    VoucherRedemption,
    VoucherScope,
)

PUBLIC_VOUCHER_LIMIT = 12  # a store page shows at most this many vouchers
WALLET_LIMIT = 200  # the wallet lists the most recent collections first


# ---------------------------------------------------------------------------- value objects


@dataclass(frozen=True)
class PublicVoucher:
    """A running public voucher of a store, with its terms as text."""

    id: int
    store_id: int
    code: str
    name: str
    terms: str  # "10% off, up to $20, orders of $50 or more"
    ends: str  # "ends 30 Nov"
    ends_at: datetime
    scope: str
    collected: bool = False


class WalletState(StrEnum):
    USABLE = "usable"
    USED = "used"
    EXPIRED = "expired"
    UNAVAILABLE = "unavailable"  # every use taken, or not started


WALLET_LABELS = {
    WalletState.USABLE: "Ready to use",
    WalletState.USED: "Used",
    WalletState.EXPIRED: "Expired",
    WalletState.UNAVAILABLE: "All claimed",
}


@dataclass(frozen=True)
class WalletVoucher:
    """A voucher in the buyer's wallet, with whether it can still be used."""

    id: int
    code: str
    name: str
    terms: str
    ends: str
    ends_at: datetime
    store_name: str
    store_handle: str
    state: WalletState
    collected_at: datetime
    uses_left: int = 0
    label: str = field(default="")

    @property
    def usable(self) -> bool:
        return self.state is WalletState.USABLE


# ---------------------------------------------------------------------------- terms


def short_money(amount: int, currency: str, locale: str = "en_US") -> str:
    """Money for terms: ``$20`` for whole amounts, ``$19.99`` otherwise."""
    if amount % 10 ** minor_units(currency):
        return format_money(amount, currency, locale)
    whole = to_decimal(amount, currency).quantize(Decimal(1))
    return format_currency(whole, currency.upper(), "¤#,##0", locale=locale, currency_digits=False)


def _percent_text(bps: int) -> str:
    whole, rest = divmod(bps, 100)
    return f"{whole}%" if not rest else f"{Decimal(bps) / 100:f}".rstrip("0") + "%"


def day_label(moment: datetime, now: datetime) -> str:
    """``30 Nov``, with the year when it is not this year's."""
    text = f"{moment.day} {moment:%b}"
    return text if moment.year == now.year else f"{text} {moment.year}"


def voucher_terms(voucher: Voucher, currency: str, locale: str = "en_US") -> str:
    """A voucher's terms as a buyer reads them: ``10% off, up to $20, orders of $50 or more``."""
    if voucher.kind == DiscountKind.PERCENT.value and voucher.percent_bps is not None:
        parts = [f"{_percent_text(voucher.percent_bps)} off"]
        if voucher.cap_amount:
            parts.append(f"up to {short_money(voucher.cap_amount, currency, locale)}")
    else:
        parts = [f"{short_money(voucher.amount_off or 0, currency, locale)} off"]
    if voucher.min_spend:
        # The rule is spend >= minimum: an order of exactly the minimum qualifies.
        parts.append(f"orders of {short_money(voucher.min_spend, currency, locale)} or more")
    if voucher.scope == VoucherScope.PRODUCTS.value:
        parts.append("selected products")
    return ", ".join(parts)


# ---------------------------------------------------------------------------- public vouchers


def _collectable(now: datetime) -> ColumnElement:
    """Vouchers a buyer may see and collect: public, the store's own, running, uses left."""
    return and_(
        Voucher.public.is_(True),
        Voucher.creator_id.is_(None),
        Voucher.running_at(now),
        or_(Voucher.total_uses.is_(None), Voucher.used_count < Voucher.total_uses),
    )


def public_vouchers(
    store_id: int,
    product_id: int | None = None,
    buyer_id: int | None = None,
    now: datetime | None = None,
    locale: str = "en_US",
) -> list[PublicVoucher]:
    """The store's running public vouchers, soonest ending first, with their terms.

    With ``product_id``: store-wide ones and those covering the product (a product page);
    without: all of them (the store page). With ``buyer_id``: whether the buyer collected
    each. One statement, two with a buyer.
    """
    now = now or utcnow()
    statement = (
        select(Voucher, Store.currency)
        .join(Store, Store.id == Voucher.store_id)
        .where(Voucher.store_id == store_id, _collectable(now))
        .order_by(Voucher.ends_at, Voucher.id)
        .limit(PUBLIC_VOUCHER_LIMIT)
    )
    if product_id is not None:
        covers = exists().where(
            VoucherProduct.voucher_id == Voucher.id, VoucherProduct.product_id == product_id
        )
        statement = statement.where(or_(Voucher.scope == VoucherScope.STORE.value, covers))
    rows = db.session.execute(statement).all()
    collected: set[int] = set()
    if buyer_id is not None and rows:
        collected = set(
            db.session.scalars(
                select(VoucherCollection.voucher_id).where(
                    VoucherCollection.buyer_id == buyer_id,
                    VoucherCollection.voucher_id.in_([voucher.id for voucher, _ in rows]),
                )
            )
        )
    return [
        PublicVoucher(
            id=voucher.id,
            store_id=voucher.store_id,
            code=voucher.code,
            name=voucher.name,
            terms=voucher_terms(voucher, currency, locale),
            ends=f"ends {day_label(_ends(voucher), now)}",
            ends_at=_ends(voucher),
            scope=voucher.scope,
            collected=voucher.id in collected,
        )
        for voucher, currency in rows
    ]


def _ends(voucher: Voucher) -> datetime:
    return min(voucher.ends_at, voucher.ended_at) if voucher.ended_at else voucher.ends_at


def collect(buyer_id: int, voucher_id: int, now: datetime | None = None) -> VoucherCollection:
    """Put a running public voucher into the buyer's wallet; collecting twice is a no-op.

    Raises ``VoucherNotFound`` for no such public voucher, ``CollectError`` for one that is
    not running or has no uses left. Flushes; the caller commits.
    """
    now = now or utcnow()
    voucher = db.session.get(Voucher, voucher_id)
    if voucher is None or not voucher.public or voucher.creator_id is not None:
        raise VoucherNotFound("There is no such voucher.")
    existing = _collection(buyer_id, voucher_id)
    if existing is not None:
        return existing
    state = voucher.state_at(now)
    if state is PromotionState.SCHEDULED:
        raise CollectError("This voucher has not started yet.")
    if state is PromotionState.ENDED:
        raise CollectError("This voucher has ended.")
    if voucher.total_uses is not None and voucher.used_count >= voucher.total_uses:
        raise CollectError("This voucher has been fully claimed.")
    collection = VoucherCollection(voucher_id=voucher_id, buyer_id=buyer_id, collected_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(collection)
    except IntegrityError:  # collected at the same moment by another request of the buyer
        existing = _collection(buyer_id, voucher_id)
        if existing is None:
            raise
        return existing
    return collection


def _collection(buyer_id: int, voucher_id: int) -> VoucherCollection | None:
    return db.session.scalars(
        select(VoucherCollection).where(
            VoucherCollection.buyer_id == buyer_id, VoucherCollection.voucher_id == voucher_id
        )
    ).first()


def wallet(
    buyer_id: int, now: datetime | None = None, locale: str = "en_US"
) -> list[WalletVoucher]:
    """The buyer's collected vouchers with their state: usable ones first, soonest ending
    first; then the rest, latest collected first. Two statements."""
    now = now or utcnow()
    rows = db.session.execute(
        select(VoucherCollection.collected_at, Voucher, Store.name, Store.handle, Store.currency)
        .join(Voucher, Voucher.id == VoucherCollection.voucher_id)
        .join(Store, Store.id == Voucher.store_id)
        .where(VoucherCollection.buyer_id == buyer_id)
        .order_by(VoucherCollection.collected_at.desc(), VoucherCollection.id.desc())
        .limit(WALLET_LIMIT)
    ).all()
    used: dict[int, int] = {}
    if rows:
        used = dict(
            db.session.execute(
                select(VoucherRedemption.voucher_id, func.count())
                .where(
                    VoucherRedemption.buyer_id == buyer_id,
                    VoucherRedemption.released_at.is_(None),
                    VoucherRedemption.voucher_id.in_([row.Voucher.id for row in rows]),
                )
                .group_by(VoucherRedemption.voucher_id)
            ).all()
        )
    items = []
    for collected_at, voucher, store_name, store_handle, currency in rows:
        uses_left = max(voucher.per_buyer_limit - used.get(voucher.id, 0), 0)
        state = _wallet_state(voucher, uses_left, now)
        ends_at = _ends(voucher)
        ended = state is WalletState.EXPIRED
        items.append(
            WalletVoucher(
                id=voucher.id,
                code=voucher.code,
                name=voucher.name,
                terms=voucher_terms(voucher, currency, locale),
                ends=f"{'ended' if ended else 'ends'} {day_label(ends_at, now)}",
                ends_at=ends_at,
                store_name=store_name,
                store_handle=store_handle,
                state=state,
                collected_at=collected_at,
                uses_left=uses_left,
                label=_wallet_label(voucher, state, now),
            )
        )
    usable = sorted((i for i in items if i.usable), key=lambda i: (i.ends_at, i.id))
    return usable + [i for i in items if not i.usable]


def _wallet_state(voucher: Voucher, uses_left: int, now: datetime) -> WalletState:
    state = voucher.state_at(now)
    if uses_left <= 0:
        return WalletState.USED
    if state is PromotionState.ENDED:
        return WalletState.EXPIRED
    if state is PromotionState.SCHEDULED:
        return WalletState.UNAVAILABLE
    if voucher.total_uses is not None and voucher.used_count >= voucher.total_uses:
        return WalletState.UNAVAILABLE
    return WalletState.USABLE


def _wallet_label(voucher: Voucher, state: WalletState, now: datetime) -> str:
    if state is WalletState.UNAVAILABLE and voucher.state_at(now) is PromotionState.SCHEDULED:
        return "Not started"
    return WALLET_LABELS[state]
