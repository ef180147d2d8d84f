"""Lives: the creator's schedule and control panel, and the public live page viewers follow.

A creator sees and changes only their own lives: another creator's reads as missing (404).
Bad input answers 400, a move the live's state forbids 409, and nothing is written; each
action is one transaction, committed here. The viewer page polls ``state.json``
(``static/js/live.js``) to follow the pin without reloading.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from affiliate.creators.content import live_deals, lives, queries, reminders
from affiliate.creators.content.exceptions import ContentError, ContentNotFound
from affiliate.creators.content.forms import (
    ActionForm,
    LiveForm,
    PinForm,
    PinVoucherForm,
    next_quarter_hour,
)
from affiliate.creators.content.loaders import get_live_or_404
from affiliate.creators.content.models import Content
from affiliate.plans.showcase import showcase_of
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from core.web.refusals import refuse
from core.web.templating import money_filter
from shop.catalog.views import media_url

bp = Blueprint("lives", __name__)


# ---------------------------------------------------------------------------- creator pages


def _my_live_or_404(content_id: int) -> Content:
    return get_live_or_404(content_id, owner=current_user.id)


@bp.get("/creator/lives")
@role_required(Role.CREATOR)
def index() -> ResponseReturnValue:
    return render_template(
        "creators/lives.html",
        lives=queries.lives_of(current_user.id),
        status_of=queries.live_status,
    )


def _form_page(form: LiveForm, live: Content | None, status: int) -> ResponseReturnValue:
    chosen = {str(p) for p in (form.product_ids.data or [])}
    return (
        render_template(
            "creators/live_new.html",
            form=form,
            live=live,
            rows=showcase_of(current_user.id),
            chosen=chosen,
        ),
        status,
    )


@bp.route("/creator/lives/new", methods=["GET", "POST"])
@role_required(Role.CREATOR)
def new() -> ResponseReturnValue:
    form = LiveForm()
    if request.method == "GET":
        form.scheduled_at.data = next_quarter_hour()
        return _form_page(form, None, 200)
    if not form.validate_on_submit():
        return _form_page(form, None, 400)
    try:
        live = lives.schedule_live(
            current_user.id,
            title=form.title.data or "",
            scheduled_at=form.starts_at_utc(),
            stream_url=form.stream_url.data or "",
            product_ids=form.product_ids.data or [],
            cover=form.cover.data,
        )
    except ContentError as error:
        return refuse(error, form=form, page=lambda status: _form_page(form, None, status))
    title, live_id = live.title, live.id
    db.session.commit()
    flash(f"“{title}” is scheduled. Start it from here when you go live.", "success")
    return redirect(url_for("lives.control", content_id=live_id), 303)


@bp.route("/creator/lives/<int:content_id>/edit", methods=["GET", "POST"])
@role_required(Role.CREATOR)
def edit(content_id: int) -> ResponseReturnValue:
    live = _my_live_or_404(content_id)
    if not queries.live_status(live).can_edit:
        flash("Only a live that has not started can be edited.", "info")
        return redirect(url_for("lives.control", content_id=live.id))
    form = LiveForm()
    if request.method == "GET":
        form.title.data = live.title
        form.scheduled_at.data = (
            live.scheduled_at.replace(tzinfo=None) if live.scheduled_at else None
        )
        form.stream_url.data = live.stream_url
        form.product_ids.data = [str(p.product_id) for p in live.products]
        return _form_page(form, live, 200)
    if not form.validate_on_submit():
        return _form_page(form, live, 400)
    old_cover = live.poster_path
    try:
        updated = lives.update_live(
            current_user.id,
            live.id,
            title=form.title.data or "",
            scheduled_at=form.starts_at_utc(),
            stream_url=form.stream_url.data or "",
            product_ids=form.product_ids.data or [],
            cover=form.cover.data,
        )
    except ContentError as error:
        return refuse(
            error,
            form=form,
            page=lambda status: _form_page(form, _my_live_or_404(content_id), status),
        )
    new_cover = updated.poster_path
    db.session.commit()
    if old_cover and old_cover != new_cover:
        lives.remove_cover(old_cover)
    flash("Saved.", "success")
    return redirect(url_for("lives.control", content_id=content_id), 303)


def _control_page(live: Content, status: int = 200) -> ResponseReturnValue:
    cards = queries.product_cards([live.id]).get(live.id, [])
    vouchers = lives.pinnable_vouchers(live)
    return (
        render_template(
            "creators/live_control.html",
            live=live,
            status=queries.live_status(live),
            cards=cards,
            vouchers=vouchers,
            pinned_voucher=lives.pinned_voucher(live, vouchers),
            deals=live_deals.deals_of_live(live.id),
            deal_titles={card.product_id: card.title for card in cards},
        ),
        status,
    )


@bp.get("/creator/lives/<int:content_id>")
@role_required(Role.CREATOR)
def control(content_id: int) -> ResponseReturnValue:
    return _control_page(_my_live_or_404(content_id))


def _act(content_id: int, action: Callable[[], object], done: str) -> ResponseReturnValue:
    """Run one control-panel action: commit and go back, or say why not with its status."""
    try:
        action()
    except ContentError as error:
        return refuse(error, page=lambda status: _control_page(_my_live_or_404(content_id), status))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("lives.control", content_id=content_id), 303)


def _checked(form: ActionForm | PinForm | PinVoucherForm, content_id: int) -> Content:
    """The creator's own live, once the form (and its CSRF token) is valid (400 otherwise)."""
    if not form.validate_on_submit():
        abort(400)
    return _my_live_or_404(content_id)


@bp.post("/creator/lives/<int:content_id>/start")
@role_required(Role.CREATOR)
def start(content_id: int) -> ResponseReturnValue:
    live = _checked(ActionForm(), content_id)
    return _act(
        live.id,
        lambda: lives.start_live(current_user.id, live.id),
        "You are live. Pin a product to put it on top of viewers' screens.",
    )


@bp.post("/creator/lives/<int:content_id>/end")
@role_required(Role.CREATOR)
def end(content_id: int) -> ResponseReturnValue:
    live = _checked(ActionForm(), content_id)
    not_started = queries.live_status(live).is_scheduled
    return _act(
        live.id,
        lambda: lives.end_live(current_user.id, live.id),
        "The live is cancelled."
        if not_started
        else "The live has ended; its page now shows the replay.",
    )


@bp.post("/creator/lives/<int:content_id>/pin")
@role_required(Role.CREATOR)
def pin(content_id: int) -> ResponseReturnValue:
    form = PinForm()
    live = _checked(form, content_id)
    return _act(
        live.id,
        lambda: lives.pin_product(current_user.id, live.id, form.product_id.data),
        "Pinned: viewers see it on top now.",
    )


@bp.post("/creator/lives/<int:content_id>/unpin")
@role_required(Role.CREATOR)
def unpin(content_id: int) -> ResponseReturnValue:
    live = _checked(ActionForm(), content_id)
    return _act(live.id, lambda: lives.unpin(current_user.id, live.id), "Nothing is pinned now.")


@bp.post("/creator/lives/<int:content_id>/voucher")
@role_required(Role.CREATOR)
def pin_voucher(content_id: int) -> ResponseReturnValue:
    form = PinVoucherForm()
    live = _checked(form, content_id)
    voucher_id = form.voucher_id.data
    return _act(
        live.id,
        lambda: lives.pin_voucher(current_user.id, live.id, voucher_id),
        "Viewers can collect the voucher now." if voucher_id else "The voucher is off the live.",
    )


# ---------------------------------------------------------------------------- viewers


@bp.get("/live/<int:content_id>")
def watch(content_id: int) -> ResponseReturnValue:
    return _watch_page(get_live_or_404(content_id))


def _watch_page(live: Content, status: int = 200) -> ResponseReturnValue:
    cards = queries.product_cards([live.id]).get(live.id, [])
    buyer_id = current_user.id if current_user.is_authenticated else None
    now = utcnow()
    deals = live_deals.deals_of_live(live.id, now)
    cards = live_deals.with_deal_prices(cards, deals)
    voucher = None
    if live.pinned_voucher_id is not None:
        vouchers = lives.pinnable_vouchers(live, buyer_id)
        voucher = lives.pinned_voucher(live, vouchers)
    return render_template(
        "creators/live.html",
        live=live,
        status=queries.live_status(live),
        cards=cards,
        pinned=queries.pinned_card(live, cards),
        pinned_voucher=voucher,
        creator=queries.creator_cards([live.creator_id]).get(live.creator_id),
        version=queries.version_of(live),
        next_url=url_for("lives.watch", content_id=live.id),
        deals=deals,
        deal_titles={card.product_id: card.title for card in cards},
        reminded=queries.live_status(live).is_scheduled
        and reminders.has_reminder(buyer_id, live.id),
        remind_form=ActionForm(),
    ), status


def _card_urls(card: dict[str, Any], next_url: str) -> dict[str, Any]:
    """What ``live.js`` needs besides the card's fields to draw it as the macro does."""
    compare = card["compare_at_price"]
    card.update(
        open_url=url_for(
            "yellowcart.open_product",
            content_id=card["content_id"],
            product_id=card["product_id"],
        ),
        cart_url=url_for("yellowcart.add_to_cart", content_id=card["content_id"]),
        thumb_url=media_url(card.pop("thumb_path")),
        price_text=money_filter(card["price"], card["currency"]),
        compare_text=(
            money_filter(compare, card["currency"]) if compare and compare > card["price"] else None
        ),
        next_url=next_url,
    )
    return card


def _at_deal_price(card: dict[str, Any], deals: Sequence[live_deals.LiveDealView]) -> None:
    """The pinned card at the running deal's price, the list price struck through, as the
    page's cards are (``live_deals.with_deal_prices``): what checkout will charge."""
    for deal in deals:
        if deal.is_running and deal.variant_id == card.get("variant_id"):
            card["price"], card["compare_at_price"] = deal.deal_price, deal.list_price


@bp.get("/live/<int:content_id>/state.json")
def state(content_id: int) -> ResponseReturnValue:
    try:
        found = queries.pinned_state(content_id)
    except ContentNotFound:
        abort(404)
    now = utcnow()
    deals = live_deals.deals_of_live(content_id, now)
    if found["pinned"] is not None:
        _at_deal_price(found["pinned"], deals)
        _card_urls(found["pinned"], url_for("lives.watch", content_id=content_id))
    found["deals"] = [live_deals.deal_json(deal, now) for deal in deals]
    response = jsonify(found)
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------- reminders


def _remind(content_id: int, action: Callable[[Content], bool], done: str) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    live = get_live_or_404(content_id)
    try:
        action(live)
    except ContentError as error:
        return refuse(error, page=lambda status: _watch_page(get_live_or_404(content_id), status))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("lives.watch", content_id=content_id), 303)


@bp.post("/live/<int:content_id>/reminder")
@login_required
def remind(content_id: int) -> ResponseReturnValue:
    return _remind(
        content_id,
        lambda live: reminders.set_reminder(current_user.id, live),
        "Reminder set: we will tell you 10 minutes before and when it starts.",
    )


@bp.post("/live/<int:content_id>/reminder/delete")
@login_required
def unremind(content_id: int) -> ResponseReturnValue:
    return _remind(
        content_id,
        lambda live: reminders.unset_reminder(current_user.id, live),
        "Reminder removed.",
    )
