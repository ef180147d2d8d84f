"""A public store voucher pinned on a live: the creator pins it, viewers collect it.

Only a running public voucher of a store whose products are on the live can be pinned, while
the live is scheduled or on. Viewers see it with a Collect button (the shop's collect route
puts it in their wallet of vouchers); a voucher that stops running simply stops showing.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from sqlalchemy import select

from affiliate.creators.content.cards import ContentError, NotYours, own_content
from affiliate.creators.content.models import Content, ContentKind, ContentProduct, LiveState
from core.extensions import db
from shop.catalog.models import Product
from shop.promotions import display
from shop.promotions.display import PublicVoucher


class NotPinnable(ContentError):
    pass


def _store_ids(live: Content) -> list[int]:
    query = (
        select(Product.store_id)
        .join(ContentProduct, ContentProduct.product_id == Product.id)
        .where(ContentProduct.content_id == live.id)
        .distinct()
        .order_by(Product.store_id)
    )
    return list(db.session.scalars(query))


def pinnable_vouchers(live: Content, buyer_id: int | None = None) -> list[PublicVoucher]:
    """Running public vouchers of the stores whose products are on the live."""
    locale = current_app.config["MONEY_LOCALE"]
    return [
        voucher
        for store_id in _store_ids(live)
        for voucher in display.public_vouchers(store_id, buyer_id=buyer_id, locale=locale)
    ]


def pinned_voucher(live: Content, vouchers: Sequence[PublicVoucher]) -> PublicVoucher | None:
    """The pinned voucher while it still runs, from ``pinnable_vouchers``' answer."""
    if live.pinned_voucher_id is None or live.live_state == LiveState.ENDED.value:
        return None
    return next((v for v in vouchers if v.id == live.pinned_voucher_id), None)


def pin_voucher(creator_id: int, content_id: int, voucher_id: int | None) -> Content:
    """Pin a voucher on the creator's live (``None`` takes it off)."""
    live = own_content(creator_id, content_id, ContentKind.LIVE)
    db.session.refresh(live, with_for_update=True)
    if live.creator_id != creator_id:
        raise NotYours("No such content.")
    if live.live_state == LiveState.ENDED.value:
        raise NotPinnable("This live has ended.")
    if voucher_id is not None and voucher_id not in {v.id for v in pinnable_vouchers(live)}:
        raise NotPinnable(
            "Pin a running public voucher of a store whose products are on this live."
        )
    live.pinned_voucher_id = voucher_id
    db.session.flush()
    return live
