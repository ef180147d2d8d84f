"""Taking and giving back what an order uses of a promotion: voucher uses and flash deal units.

Protocol, inside the transaction that places the orders (after the stock reservations, which
lock variant rows in id order), so that two checkouts always lock in the same order and
never deadlock:

1. flash deals, in deal-id order: ``UPDATE flash_deal SET sold = sold + q WHERE id = :id AND
   sold + q <= quantity AND <running>``; the updated row stays locked to the end of the
   transaction, so the buyer's units already held (unreleased ``FlashDealPurchase`` rows) are
   then counted under that lock against the per-buyer limit;
   then live deals the same way, in live-deal-id order (``reserve_live_units``);
2. vouchers, in voucher-id order: ``UPDATE voucher SET used_count = used_count + 1 WHERE id =
   :id AND (total_uses IS NULL OR used_count < total_uses) AND <running>``, then the buyer's
   unreleased redemptions are counted under that lock against the per-buyer limit;
3. once the orders exist: one ``FlashDealPurchase`` (``LiveDealPurchase``) per deal and order, one
   ``VoucherRedemption`` per order.

Any refusal raises (``FlashDealUnavailable``, ``VoucherUnavailable``) and the caller rolls
the whole checkout back: nothing is written.

Releasing (``release_for_order``), when an order is cancelled: each unreleased purchase and
redemption of the order gets ``released_at`` and its counter goes back down (guarded so it
never goes below zero), in the same id order. Cancelling an order, paid or not, always
happens before it ships (``shop.orders.states``), and a paid one is refunded in full: the buyer got
nothing, so the voucher use and the deal units go back, and the buyer may use them again.
A refund of a line after delivery gives back only that line's amount paid; the voucher use
and the deal units stay taken (the order was fulfilled).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm.util import identity_key

from core.extensions import db
from shop.promotions.exceptions import (
    FlashDealUnavailable,
    LiveDealUnavailable,
    VoucherUnavailable,
)
from shop.promotions.live_deal_models import LiveDeal, LiveDealPurchase
from shop.promotions.models import FlashDeal, FlashDealPurchase, Voucher, VoucherRedemption


def _rowcount(result: object) -> int:
    return int(result.rowcount)  # type: ignore[attr-defined]


def reserve_flash_units(
    deal_id: int, buyer_id: int, quantity: int, *, title: str, now: datetime
) -> None:
    """Take ``quantity`` units of a running deal for the buyer, or raise; see the protocol."""
    result = db.session.execute(
        update(FlashDeal)
        .where(
            FlashDeal.id == deal_id,
            FlashDeal.sold + quantity <= FlashDeal.quantity,
            FlashDeal.running_at(now),
        )
        .values(sold=FlashDeal.sold + quantity)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        raise FlashDealUnavailable(title, "it has ended or has too few units left.")
    _expire(FlashDeal, [deal_id])
    limit = db.session.scalar(select(FlashDeal.per_buyer_limit).where(FlashDeal.id == deal_id))
    held = db.session.scalar(
        select(func.coalesce(func.sum(FlashDealPurchase.quantity), 0)).where(
            FlashDealPurchase.deal_id == deal_id,
            FlashDealPurchase.buyer_id == buyer_id,
            FlashDealPurchase.released_at.is_(None),
        )
    )
    if int(held or 0) + quantity > int(limit or 0):
        raise FlashDealUnavailable(
            title, f"it is limited to {limit} per buyer and you already have {held}."
        )


def reserve_live_units(
    deal_id: int, buyer_id: int, quantity: int, *, title: str, now: datetime
) -> None:
    """Take ``quantity`` units of a running live deal for the buyer, or raise (as flash deals)."""
    result = db.session.execute(
        update(LiveDeal)
        .where(
            LiveDeal.id == deal_id,
            LiveDeal.sold + quantity <= LiveDeal.quantity,
            LiveDeal.running_at(now),
        )
        .values(sold=LiveDeal.sold + quantity)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        raise LiveDealUnavailable(title, "it has ended or has too few units left.")
    _expire(LiveDeal, [deal_id])
    limit = db.session.scalar(select(LiveDeal.per_buyer_limit).where(LiveDeal.id == deal_id))
    held = db.session.scalar(
        select(func.coalesce(func.sum(LiveDealPurchase.quantity), 0)).where(
            LiveDealPurchase.deal_id == deal_id,
            LiveDealPurchase.buyer_id == buyer_id,
            LiveDealPurchase.released_at.is_(None),
        )
    )
    if int(held or 0) + quantity > int(limit or 0):
        raise LiveDealUnavailable(
            title, f"it is limited to {limit} per buyer and you already have {held}."
        )


def take_voucher_use(voucher_id: int, buyer_id: int, *, code: str, now: datetime) -> None:
    """Take one use of a running voucher for the buyer, or raise; see the protocol."""
    result = db.session.execute(
        update(Voucher)
        .where(
            Voucher.id == voucher_id,
            or_(Voucher.total_uses.is_(None), Voucher.used_count < Voucher.total_uses),
            Voucher.running_at(now),
        )
        .values(used_count=Voucher.used_count + 1)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        raise VoucherUnavailable(code, "it has just been used up or has ended.")
    _expire(Voucher, [voucher_id])
    limit = db.session.scalar(select(Voucher.per_buyer_limit).where(Voucher.id == voucher_id))
    used = db.session.scalar(
        select(func.count(VoucherRedemption.id)).where(
            VoucherRedemption.voucher_id == voucher_id,
            VoucherRedemption.buyer_id == buyer_id,
            VoucherRedemption.released_at.is_(None),
        )
    )
    if int(used or 0) >= int(limit or 0):
        raise VoucherUnavailable(code, "you have already used it as many times as it allows.")


def release_for_order(order_id: int, now: datetime) -> None:
    """Give back the flash deal units and the voucher use that an order holds (cancelled)."""
    purchases = list(
        db.session.scalars(
            select(FlashDealPurchase)
            .where(FlashDealPurchase.order_id == order_id, FlashDealPurchase.released_at.is_(None))
            .order_by(FlashDealPurchase.deal_id)
        )
    )
    for purchase in purchases:
        purchase.released_at = now
        db.session.execute(
            update(FlashDeal)
            .where(FlashDeal.id == purchase.deal_id, FlashDeal.sold >= purchase.quantity)
            .values(sold=FlashDeal.sold - purchase.quantity)
            .execution_options(synchronize_session=False)
        )
    live_purchases = list(
        db.session.scalars(
            select(LiveDealPurchase)
            .where(LiveDealPurchase.order_id == order_id, LiveDealPurchase.released_at.is_(None))
            .order_by(LiveDealPurchase.deal_id)
        )
    )
    for live_purchase in live_purchases:
        live_purchase.released_at = now
        db.session.execute(
            update(LiveDeal)
            .where(LiveDeal.id == live_purchase.deal_id, LiveDeal.sold >= live_purchase.quantity)
            .values(sold=LiveDeal.sold - live_purchase.quantity)
            .execution_options(synchronize_session=False)
        )
    redemptions = list(
        db.session.scalars(
            select(VoucherRedemption).where(
                VoucherRedemption.order_id == order_id, VoucherRedemption.released_at.is_(None)
            )
        )
    )
    for redemption in redemptions:
        redemption.released_at = now
        db.session.execute(
            update(Voucher)
            .where(Voucher.id == redemption.voucher_id, Voucher.used_count > 0)
            .values(used_count=Voucher.used_count - 1)
            .execution_options(synchronize_session=False)
        )
    _expire(FlashDeal, (p.deal_id for p in purchases))
    _expire(LiveDeal, (p.deal_id for p in live_purchases))
    _expire(Voucher, (r.voucher_id for r in redemptions))
    db.session.flush()


def _expire(model: type[FlashDeal] | type[LiveDeal] | type[Voucher], ids: Iterable[int]) -> None:
    """Counters loaded in the session are stale after an UPDATE that bypassed it."""
    for ident in set(ids):
        loaded = db.session.identity_map.get(identity_key(model, ident))
        if loaded is not None:
            db.session.expire(loaded)
