"""Seller centre, Live deals: give a creator's scheduled or running live a deal on one of the
store's products, see the store's live deals, end one.

Another store's deal, product or option answers 404, like one that does not exist; a live that
is not there for the store's product 404; an ended live 409; bad values 400 with the form
again. Each action is one transaction, committed here.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from affiliate.creators.content import live_deals
from affiliate.creators.content.forms import ActionForm, LiveDealForm
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.exceptions import DomainError
from core.extensions import db
from core.money import format_money
from core.types import utcnow
from core.web.refusals import refuse
from shop.catalog.models import Product, Store, Variant
from shop.catalog.seller_views import current_store
from shop.promotions import live_deals as shop_live_deals
from shop.promotions.exceptions import AlreadyEnded, PromotionNotFound

bp = Blueprint("live_deals", __name__, url_prefix="/seller/live-deals")


def _store_or_redirect() -> Store | None:
    store = current_store()
    if store is None:
        flash("Open your store first; then you can give lives a deal.", "info")
    return store


def _page(store: Store, form: LiveDealForm, status: int = 200) -> ResponseReturnValue:
    now = utcnow()
    lives = live_deals.dealable_lives(store)
    product_ids = sorted({pid for live in lives for pid in live.product_ids})
    variants = (
        db.session.execute(
            select(Variant.id, Variant.option1, Variant.option2, Variant.price, Product.title)
            .join(Product, Product.id == Variant.product_id)
            .where(Product.id.in_(product_ids), Variant.active.is_(True))
            .order_by(Product.title, Variant.position, Variant.id)
        ).all()
        if product_ids
        else []
    )
    form.content_id.choices = [("", "Choose a live")] + [  # type: ignore[assignment]
        (
            live.live_id,
            f"{live.title} · @{live.handle or 'creator'} · "
            + (
                "on air now"
                if live.state == "live"
                else f"{live.scheduled_at:%d %b, %H:%M} UTC"
                if live.scheduled_at
                else "scheduled"
            ),
        )
        for live in lives
    ]
    form.variant_id.choices = [("", "Choose a product option")] + [  # type: ignore[assignment]
        (
            variant_id,
            f"{title}"
            + "".join(f" · {option}" for option in (option1, option2) if option)
            + f" · {format_money(price, store.currency)}",
        )
        for variant_id, option1, option2, price, title in variants
    ]
    deals = shop_live_deals.store_live_deals(store.id)
    live_titles = live_deals.live_titles([row.deal.content_id for row in deals])
    return (
        render_template(
            "seller/live_deals.html",
            store=store,
            form=form,
            lives=lives,
            deals=deals,
            live_titles=live_titles,
            now=now,
            end_form=ActionForm(),
        ),
        status,
    )


@bp.route("", methods=["GET", "POST"])
@role_required(Role.SELLER)
def index() -> ResponseReturnValue:
    store = _store_or_redirect()
    if store is None:
        return redirect(url_for("seller.store_new"))
    form = LiveDealForm()
    if request.method == "GET":
        return _page(store, form)
    if not form.validate_on_submit():
        return _page(store, form, 400)
    try:
        deal = live_deals.give_live_deal(
            store,
            content_id=form.content_id.data,
            variant_id=form.variant_id.data,
            deal_price=form.deal_price.data or "",
            quantity=form.quantity.data,
            per_buyer_limit=form.per_buyer_limit.data,
            starts_at=form.starts_at.data,
            ends_at=form.ends_at.data,
        )
    except DomainError as error:
        return refuse(error, form=form, page=lambda status: _page(store, form, status))
    waiting = deal.opened_at is None
    db.session.commit()
    flash(
        "The live deal is set: it runs once the live is on air, inside its window."
        if waiting
        else "The live deal is set: the live's viewers see it now.",
        "success",
    )
    return redirect(url_for("live_deals.index"), 303)


@bp.post("/<int:deal_id>/end")
@role_required(Role.SELLER)
def end(deal_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    store = current_store()
    if store is None:
        abort(404)
    try:
        shop_live_deals.end_live_deal(store, deal_id)
    except PromotionNotFound:
        db.session.rollback()
        abort(404)
    except AlreadyEnded as error:
        return refuse(error, category="info", back=url_for("live_deals.index"))
    db.session.commit()
    flash("The live deal has ended. Orders already placed keep their prices.", "success")
    return redirect(url_for("live_deals.index"), 303)
