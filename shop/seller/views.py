"""Seller centre: its home (the ledger balance, today's orders, this week's GMV, orders to ship,
and the last 30 days as a chart) and the store's own pages (open it, edit it, see it as buyers
do). Products are ``shop.catalog.seller_views``; orders ``shop.orders.seller.views``."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from core.accounts.authz import role_required
from core.accounts.models import Role
from core.ledger import services as ledger
from core.ledger.models import AccountKind
from core.money import to_decimal
from core.types import utcnow
from core.web.pagecache import render_private_page
from core.web.refusals import refuse
from shop.blueprints import seller_bp as bp
from shop.catalog import images, stores
from shop.catalog.exceptions import CatalogError
from shop.catalog.forms import StoreForm, uploaded
from shop.catalog.seller_views import commit_with_files, current_store, process_uploads
from shop.orders.seller import queries as seller_queries
from shop.reviews import queries as review_queries

CHART_DAYS = 30
LOGO_SIZE = 400
BANNER_SIZE = 1600


@bp.get("/")
@role_required(Role.SELLER)
def home() -> ResponseReturnValue:
    def context() -> dict[str, Any]:
        store = seller_queries.store_of(current_user.id)
        currency = store.currency if store else current_app.config["DEFAULT_CURRENCY"]
        balances = ledger.owner_balances(current_user.id, currency)
        figures = days = chart = review_rate = None
        if store is not None:
            now = utcnow()
            review_rate = review_queries.negative_rate(store.id)
            figures = seller_queries.numbers(store.id, now)
            days = seller_queries.daily(store.id, now, CHART_DAYS)
            chart = {
                "currency": currency,
                "labels": [point.day.isoformat() for point in days],
                "orders": [point.orders for point in days],
                "gmv": [float(to_decimal(point.gmv, currency)) for point in days],
            }
        return {
            "currency": currency,
            "receivable": balances.get(AccountKind.SELLER_RECEIVABLE, 0),
            "entries": ledger.recent_entries(owner_id=current_user.id, limit=20),
            "store": store,
            "figures": figures,
            "days": days,
            "chart": chart,
            "review_rate": review_rate,
        }

    return render_private_page("seller/home.html", context)


# --- store -----------------------------------------------------------------------------------


def _store_input(form: StoreForm) -> stores.StoreInput:
    return stores.StoreInput(
        name=form.name.data,
        handle=form.handle.data or stores.available_handle(form.name.data),
        description=form.description.data or "",
        currency=form.currency.data,
        return_address=form.return_address.data or "",
    )


def _store_images(form: StoreForm) -> tuple[list[images.ProcessedImage], dict] | None:
    processed: list[images.ProcessedImage] = []
    paths: dict[str, str] = {}
    for name, size in (("logo", LOGO_SIZE), ("banner", BANNER_SIZE)):
        field = form[name]
        files = uploaded(field.data)
        if not files:
            continue
        result = process_uploads(files[:1], field, main_size=size, thumb_size=None)
        if result is None:
            return None
        processed.extend(result)
        paths[f"{name}_path"] = result[0].path
    return processed, paths


@bp.route("/store/new", methods=["GET", "POST"])
@login_required
def store_new() -> ResponseReturnValue:
    if current_store() is not None:
        flash("You already have a store; here it is.", "info")
        return redirect(url_for("seller.store"))
    form = StoreForm()
    if request.method == "GET":
        return render_template("seller/store_new.html", form=form)
    stored = _store_images(form) if form.validate_on_submit() else None
    if stored is None:
        return render_template("seller/store_new.html", form=form), 400
    processed, paths = stored
    try:
        store = stores.create_store(current_user, _store_input(form), **paths)
    except CatalogError as error:
        return refuse(error, "seller/store_new.html", form=form)
    commit_with_files(processed)
    flash(f"{store.name} is open. Add your first product.", "success")
    return redirect(url_for("seller.products"))


@bp.route("/store", methods=["GET", "POST"])
@role_required(Role.SELLER)
def store() -> ResponseReturnValue:
    shop = current_store()
    if shop is None:
        if request.method == "POST":
            abort(404)
        return render_template("seller/store.html", form=None, store=None)
    form = StoreForm(obj=shop)
    has_products = stores.store_has_products(shop)
    if request.method == "GET":
        return render_template("seller/store.html", form=form, store=shop, locked=has_products)
    stored = _store_images(form) if form.validate_on_submit() else None
    if stored is None:
        return render_template("seller/store.html", form=form, store=shop, locked=has_products), 400
    processed, paths = stored
    try:
        obsolete = stores.update_store(shop, _store_input(form), **paths)
    except CatalogError as error:
        return refuse(error, "seller/store.html", form=form, store=shop, locked=has_products)
    commit_with_files(processed, obsolete)
    flash("Your store is saved.", "success")
    return redirect(url_for("seller.store"))


@bp.get("/store/view")
@role_required(Role.SELLER)
def store_view() -> ResponseReturnValue:
    """The store as buyers see it. The menu of every Seller centre page links here, so that
    drawing the menu costs no query: the store is looked up only when the link is followed."""
    shop = current_store()
    if shop is None:
        flash("Open your store first; then buyers can visit it.", "info")
        return redirect(url_for("seller.store_new"))
    return redirect(url_for("shop.store", handle=shop.handle))
