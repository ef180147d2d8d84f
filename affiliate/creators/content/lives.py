"""Live sessions: schedule, start, pin products (and a store's voucher) while live, end.

A live moves through one state table (``models.LIVE``)::

    scheduled ──start──▶ live ──end──▶ ended
        └────────────end (cancel)────────▶ ended

Ending a live that never started *cancels* it: it is ``ended`` with no ``started_at``
(``queries.is_cancelled``), and its page shows its products as for any ended live. Ending clears
the pin. A creator has at most one session live at a time.

Every change locks the live's row first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite
serializes writers already), so two tabs of the control panel cannot race each other past
the state check. The services flush; the caller commits.

Viewers poll ``queries.pinned_state``. Its ``version`` is the time of the latest change, in
microseconds: a start, an end, a pin and an unpin each stamp their column (an unpin stamps
``pinned_at`` too, with no product: "the pin last changed then"), and stamps never go
backwards, so a version that differs from the one a page holds means something changed.

A live's cover (``poster_path``) is an image the creator uploads when scheduling, validated and
re-encoded by the shop's image helpers like every other image; a live without one shows its
first product's picture.

Hooks on the state changes: going live opens the live's deals (``shop.promotions.live_deals``:
a seller's live deal runs only while its live is on air, inside its window) and sends the
viewers' reminders (``reminders.send_started``); ending (or cancelling) ends its deals, so
viewers see "ended" on their next poll.

A pinned voucher is a running public voucher of a store whose products are on the live, pinned
while the live is scheduled or on; viewers collect it from the live page (the shop's collect
route); a voucher that stops running simply stops showing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from affiliate.creators.content.exceptions import (
    IllegalLiveMove,
    InvalidLive,
    NotOnLive,
    NotPinnable,
)
from affiliate.creators.content.models import (
    LIVE,
    Content,
    ContentKind,
    ContentProduct,
    ContentStatus,
    LiveState,
)
from affiliate.creators.content.reminders import send_started
from affiliate.creators.content.services import clean_product_ids, own_content, set_products
from core.extensions import db
from core.states import IllegalTransition
from core.types import utcnow
from shop.catalog import images
from shop.catalog.exceptions import ImageError
from shop.catalog.models import Product, ProductStatus
from shop.promotions import live_deals
from shop.promotions.vouchers import PublicVoucher, public_vouchers

TITLE_MAX = 150
STREAM_URL_MAX = 500
#: How far in the past a live may be scheduled (a form filled in slowly), and how far ahead.
SCHEDULE_GRACE = timedelta(minutes=5)
SCHEDULE_HORIZON = timedelta(days=365)

_MOVE_REFUSALS = {
    (LiveState.LIVE, LiveState.LIVE): "This live has already started.",
    (LiveState.ENDED, LiveState.LIVE): "This live has ended; schedule a new one.",
    (LiveState.ENDED, LiveState.ENDED): "This live has already ended.",
}


def live_state(content: Content) -> LiveState:
    return LiveState(content.live_state)


# ---------------------------------------------------------------------------- input


def clean_title(title: str) -> str:
    text = " ".join((title or "").split())
    if not text:
        raise InvalidLive("Give the live a title.")
    if len(text) > TITLE_MAX:
        raise InvalidLive(f"The title is too long: at most {TITLE_MAX} characters.")
    return text


def clean_scheduled_at(scheduled_at: datetime, now: datetime) -> datetime:
    if scheduled_at.tzinfo is None:
        raise InvalidLive("Give the start time with its time zone (UTC).")
    if scheduled_at < now - SCHEDULE_GRACE:
        raise InvalidLive("The start time has passed: choose a time from now on.")
    if scheduled_at > now + SCHEDULE_HORIZON:
        raise InvalidLive("Schedule the live at most a year ahead.")
    return scheduled_at


def clean_stream_url(stream_url: str) -> str:
    url = (stream_url or "").strip()
    if not url:
        raise InvalidLive("Enter the stream URL.")
    if len(url) > STREAM_URL_MAX:
        raise InvalidLive(f"The stream URL is too long: at most {STREAM_URL_MAX} characters.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise InvalidLive("The stream URL cannot contain spaces.")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise InvalidLive("Enter the stream URL as a web address.") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise InvalidLive("The stream URL must be a web address starting with https://.")
    if parts.username is not None or parts.password is not None:
        raise InvalidLive("The stream URL cannot hold a user name or password.")
    return url


def _clean_products(creator_id: int, product_ids: Iterable[object]) -> list[int]:
    chosen = clean_product_ids(creator_id, product_ids)
    if not chosen:
        raise InvalidLive("Choose at least one product from your showcase.")
    return chosen


COVER_SIZE = 1280
#: How a live deal names a live (the ``content_type`` that the yellow cart puts on cart lines).
DEAL_CONTENT_TYPE = ContentKind.LIVE.value


def process_cover(cover: FileStorage | None) -> images.ProcessedImage | None:
    """The uploaded cover, validated and re-encoded in memory (None if none was chosen)."""
    if cover is None or not cover.filename:
        return None
    limit = int(current_app.config.get("UPLOAD_MAX_IMAGE_BYTES") or images.DEFAULT_MAX_BYTES)
    try:
        return images.process_image(
            cover.stream, max_bytes=limit, main_size=COVER_SIZE, thumb_size=None
        )
    except ImageError as error:
        raise InvalidLive(str(error), field="cover") from None


def _write_cover(image: images.ProcessedImage | None) -> str | None:
    if image is None:
        return None
    images.write_images([image], current_app.config["UPLOAD_DIR"])
    return image.path


def remove_cover(path: str | None) -> None:
    """Delete a cover file (after the change that dropped it has committed)."""
    images.remove_files([path], current_app.config["UPLOAD_DIR"])


# ---------------------------------------------------------------------------- scheduling


def schedule_live(
    creator_id: int,
    *,
    title: str,
    scheduled_at: datetime,
    stream_url: str,
    product_ids: Iterable[object],
    cover: FileStorage | None = None,
    now: datetime | None = None,
) -> Content:
    """Schedule a live with products from the creator's showcase (1 to 6, in order) and an
    optional cover image (its file is written last and removed if anything fails)."""
    now = now or utcnow()
    live = Content(
        creator_id=creator_id,
        kind=ContentKind.LIVE.value,
        status=ContentStatus.PUBLISHED.value,
        title=clean_title(title),
        scheduled_at=clean_scheduled_at(scheduled_at, now),
        stream_url=clean_stream_url(stream_url),
        live_state=LiveState.SCHEDULED.value,
        created_at=now,
    )
    chosen = _clean_products(creator_id, product_ids)
    image = process_cover(cover)
    live.poster_path = _write_cover(image)
    try:
        db.session.add(live)
        db.session.flush()
        set_products(live, chosen)
    except BaseException:
        remove_cover(live.poster_path)
        raise
    return live


def update_live(
    creator_id: int,
    content_id: int,
    *,
    title: str,
    scheduled_at: datetime,
    stream_url: str,
    product_ids: Iterable[object],
    cover: FileStorage | None = None,
    now: datetime | None = None,
) -> Content:
    """Change a live that has not started yet (an unchanged start time may have passed). A
    new cover replaces the old one: the caller removes the old file once it has committed."""
    now = now or utcnow()
    live = _locked_live(creator_id, content_id)
    if live_state(live) is not LiveState.SCHEDULED:
        raise IllegalLiveMove("Only a live that has not started can be edited.")
    title = clean_title(title)
    if scheduled_at != live.scheduled_at:
        scheduled_at = clean_scheduled_at(scheduled_at, now)
    stream_url = clean_stream_url(stream_url)
    chosen = _clean_products(creator_id, product_ids)
    image = process_cover(cover)
    live.title, live.scheduled_at, live.stream_url = title, scheduled_at, stream_url
    set_products(live, chosen)
    if image is not None:
        live.poster_path = _write_cover(image)
    return live


# ---------------------------------------------------------------------------- state changes


def _locked_live(creator_id: int, content_id: int) -> Content:
    """The creator's own live, reloaded under a row lock (``NotYours`` otherwise)."""
    live = own_content(creator_id, content_id, ContentKind.LIVE)
    db.session.refresh(live, with_for_update=True)
    return live


def _move(live: Content, to: LiveState) -> None:
    """Move the live through ``LIVE``; an illegal move is refused in the creator's words."""
    current = live_state(live)
    try:
        LIVE.move(live, to)
    except IllegalTransition as refused:
        raise IllegalLiveMove(
            _MOVE_REFUSALS.get((current, to), f"A {current.value} live cannot go {to.value}."),
            current=current.value,
            target=to.value,
        ) from refused


def _stamp(live: Content, now: datetime) -> datetime:
    """``now``, or just after the live's latest change if the clock went backwards."""
    latest = max(
        stamp
        for stamp in (live.created_at, live.started_at, live.ended_at, live.pinned_at)
        if stamp is not None
    )
    return max(now, latest + timedelta(microseconds=1))


def start_live(creator_id: int, content_id: int, now: datetime | None = None) -> Content:
    """Go live: scheduled → live. One session live per creator at a time."""
    live = _locked_live(creator_id, content_id)
    if live_state(live) is LiveState.SCHEDULED:
        other = db.session.scalar(
            select(Content.id).where(
                Content.creator_id == creator_id,
                Content.kind == ContentKind.LIVE.value,
                Content.status == ContentStatus.PUBLISHED.value,
                Content.live_state == LiveState.LIVE.value,
                Content.id != live.id,
            )
        )
        if other is not None:
            raise IllegalLiveMove("You are live in another session: end it first.")
    _move(live, LiveState.LIVE)
    live.started_at = _stamp(live, now or utcnow())
    db.session.flush()
    live_deals.open_for_content(DEAL_CONTENT_TYPE, live.id, live.started_at)
    send_started(live, live.started_at)
    return live


def end_live(creator_id: int, content_id: int, now: datetime | None = None) -> Content:
    """End a live (live → ended) or cancel one not started (scheduled → ended); unpin."""
    live = _locked_live(creator_id, content_id)
    _move(live, LiveState.ENDED)
    live.ended_at = _stamp(live, now or utcnow())
    live.pinned_product_id = None
    live.pinned_at = None
    db.session.flush()
    live_deals.end_for_content(DEAL_CONTENT_TYPE, live.id, live.ended_at)
    return live


def pin_product(
    creator_id: int, content_id: int, product_id: int, now: datetime | None = None
) -> Content:
    """Pin one of the live's products on top of viewers' screens (only while live)."""
    live = _locked_live(creator_id, content_id)
    if live_state(live) is not LiveState.LIVE:
        raise IllegalLiveMove("Products can be pinned only while the live is on.")
    status = db.session.scalar(
        select(Product.status)
        .join(ContentProduct, ContentProduct.product_id == Product.id)
        .where(ContentProduct.content_id == live.id, Product.id == product_id)
    )
    if status is None:
        raise NotOnLive("That product is not in this live's yellow cart.")
    if status != ProductStatus.ACTIVE.value:
        raise NotOnLive("That product is not on sale any more.")
    if live.pinned_product_id == product_id:
        return live  # already on top: viewers need no update
    live.pinned_product_id = product_id
    live.pinned_at = _stamp(live, now or utcnow())
    db.session.flush()
    return live


def unpin(creator_id: int, content_id: int, now: datetime | None = None) -> Content:
    """Take the pinned product off viewers' screens (only while live; no pin: nothing)."""
    live = _locked_live(creator_id, content_id)
    if live_state(live) is not LiveState.LIVE:
        raise IllegalLiveMove("Pins change only while the live is on.")
    if live.pinned_product_id is None:
        return live
    live.pinned_product_id = None
    live.pinned_at = _stamp(live, now or utcnow())
    db.session.flush()
    return live


# ---------------------------------------------------------------------------- vouchers


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
        for voucher in public_vouchers(store_id, buyer_id=buyer_id, locale=locale)
    ]


def pinned_voucher(live: Content, vouchers: Sequence[PublicVoucher]) -> PublicVoucher | None:
    """The pinned voucher while it still runs, from ``pinnable_vouchers``' answer."""
    if live.pinned_voucher_id is None or live.live_state == LiveState.ENDED.value:
        return None
    return next((v for v in vouchers if v.id == live.pinned_voucher_id), None)


def pin_voucher(creator_id: int, content_id: int, voucher_id: int | None) -> Content:
    """Pin a voucher on the creator's live (``None`` takes it off)."""
    live = _locked_live(creator_id, content_id)
    if LIVE.is_final(live_state(live)):
        raise NotPinnable("This live has ended.")
    if voucher_id is not None and voucher_id not in {v.id for v in pinnable_vouchers(live)}:
        raise NotPinnable(
            "Pin a running public voucher of a store whose products are on this live."
        )
    live.pinned_voucher_id = voucher_id
    db.session.flush()
    return live
