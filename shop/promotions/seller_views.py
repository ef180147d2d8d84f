"""Seller centre, Marketing: the store's promotions by state with their figures and a chart,
forms to create a product discount, a voucher or a flash deal, and "End now".

Views parse a form, call one service with the signed-in seller's store, commit, redirect. The
services answer another store's promotion, product or variant exactly as one that does not
exist, so a seller sees and changes only their own (404 otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import lazyload
from wtforms.fields.choices import SelectChoice

from core.accounts.authz import role_required
from core.accounts.models import Role
from core.extensions import db
from core.money import format_money, to_decimal
from core.types import utcnow
from core.web.refusals import refuse
from shop.blueprints import seller_bp as bp
from shop.catalog.models import Product, ProductStatus, Store
from shop.catalog.seller_views import current_store
from shop.promotions import services, stats
from shop.promotions.exceptions import AlreadyEnded, PromotionError, PromotionNotFound
from shop.promotions.forms import DiscountForm, EndForm, FlashDealForm, VoucherForm
from shop.promotions.models import Promotion, PromotionKind, PromotionState
from shop.promotions.parsing import format_percent

# How kinds appear in URLs, and back.
SLUGS = {
    PromotionKind.DISCOUNT: "discounts",
    PromotionKind.VOUCHER: "vouchers",
    PromotionKind.FLASH_DEAL: "flash-deals",
}
KINDS = {slug: kind for kind, slug in SLUGS.items()}
DEFAULT_LENGTH = {
    PromotionKind.DISCOUNT: timedelta(days=7),
    PromotionKind.VOUCHER: timedelta(days=30),
    PromotionKind.FLASH_DEAL: timedelta(hours=6),
}


def _active_products(store: Store) -> list[Product]:
    """The store's active products with their variants (for the pickers): two statements."""
    return list(
        db.session.scalars(
            select(Product)
            .where(Product.store_id == store.id, Product.status == ProductStatus.ACTIVE.value)
            .options(lazyload(Product.images))
            .order_by(Product.title, Product.id)
        )
    )


def _default_window(form: FlaskForm, kind: PromotionKind) -> None:
    """A window to start from: the next whole hour, for the kind's usual length."""
    start = (utcnow() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    form.starts_at.data = start.replace(tzinfo=None)
    form.ends_at.data = (start + DEFAULT_LENGTH[kind]).replace(tzinfo=None)


def _render_form(
    kind: PromotionKind, form: FlaskForm, store: Store, status: int = 200
) -> ResponseReturnValue:
    products = _active_products(store)
    if isinstance(form, FlashDealForm):
        form.variant_id.choices = [SelectChoice("", "Choose a variant")] + [
            SelectChoice(
                variant.id,
                f"{product.title}"
                + (f" · {variant.name}" if variant.option1 or variant.option2 else "")
                + f" · {format_money(variant.price, store.currency)}",
            )
            for product in products
            for variant in product.variants
            if variant.active
        ]
    return render_template(
        "seller/marketing_form.html",
        kind=kind,
        form=form,
        store=store,
        products=products,
        max_flash_days=services.MAX_FLASH_DEAL_LENGTH.days,
    ), status


def _create(
    kind: PromotionKind, form: FlaskForm, create: Callable[[Store], Promotion]
) -> ResponseReturnValue:
    store = current_store()
    if store is None:
        flash("Open your store first; then you can run promotions.", "info")
        return redirect(url_for("seller.store_new"))
    if request.method == "GET":
        _default_window(form, kind)
        return _render_form(kind, form, store)
    if not form.validate_on_submit():
        return _render_form(kind, form, store, 400)
    try:
        promotion = create(store)
    except PromotionError as error:
        return refuse(error, form=form, page=lambda status: _render_form(kind, form, store, status))
    state = promotion.state
    db.session.commit()
    when = "is running" if state == PromotionState.RUNNING else "is scheduled"
    flash(f"{kind.label} “{promotion.name}” {when}.", "success")
    return redirect(url_for("seller.marketing", state=state.value))


# --- pages -----------------------------------------------------------------------------------


@bp.get("/marketing")
@role_required(Role.SELLER)
def marketing() -> ResponseReturnValue:
    store = current_store()
    if store is None:
        return render_template("seller/marketing.html", store=None)
    now = utcnow()
    overview = stats.overview(store.id, now)
    state = request.args.get("state", "")
    if state not in {s.value for s in PromotionState}:
        order = (PromotionState.RUNNING, PromotionState.SCHEDULED, PromotionState.ENDED)
        state = next((s.value for s in order if overview.count(s)), PromotionState.RUNNING.value)
    days = stats.daily(store.id, now)
    currency = store.currency
    chart = {
        "currency": currency,
        "labels": [point.day.isoformat() for point in days],
        "discount": [float(to_decimal(point.discount_spent, currency)) for point in days],
        "gmv": [float(to_decimal(point.gmv, currency)) for point in days],
    }
    return render_template(
        "seller/marketing.html",
        store=store,
        currency=currency,
        overview=overview,
        state=state,
        states=list(PromotionState),
        rows=overview.rows[PromotionState(state)],
        can_end=PromotionState(state) is not PromotionState.ENDED,  # "End now" on each row
        days=days,
        chart=chart,
        has_chart=any(point.gmv or point.discount_spent for point in days),
        end_form=EndForm(),
        slugs=SLUGS,
        percent=format_percent,
    )


@bp.route("/marketing/discounts/new", methods=["GET", "POST"])
@role_required(Role.SELLER)
def marketing_new_discount() -> ResponseReturnValue:
    form = DiscountForm()

    def create(store: Store) -> Promotion:
        return services.create_product_discount(
            store,
            name=form.name.data,
            kind=form.kind.data,
            value=form.value.data,
            starts_at=form.starts_at.data,
            ends_at=form.ends_at.data,
            product_ids=form.product_ids.data or [],
            variant_ids=form.variant_ids.data or [],
        )

    return _create(PromotionKind.DISCOUNT, form, create)


@bp.route("/marketing/vouchers/new", methods=["GET", "POST"])
@role_required(Role.SELLER)
def marketing_new_voucher() -> ResponseReturnValue:
    form = VoucherForm()

    def create(store: Store) -> Promotion:
        return services.create_voucher(
            store,
            code=form.code.data,
            name=form.name.data,
            kind=form.kind.data,
            value=form.value.data,
            cap=form.cap.data,
            min_spend=form.min_spend.data,
            scope=form.scope.data,
            product_ids=form.product_ids.data or [],
            starts_at=form.starts_at.data,
            ends_at=form.ends_at.data,
            total_uses=form.total_uses.data,
            per_buyer_limit=form.per_buyer_limit.data,
            public=bool(form.public.data),
        )

    return _create(PromotionKind.VOUCHER, form, create)


@bp.route("/marketing/flash-deals/new", methods=["GET", "POST"])
@role_required(Role.SELLER)
def marketing_new_flash_deal() -> ResponseReturnValue:
    form = FlashDealForm()
    form.variant_id.choices = []  # filled when rendered; the service checks the id

    def create(store: Store) -> Promotion:
        return services.create_flash_deal(
            store,
            variant_id=form.variant_id.data,
            deal_price=form.deal_price.data,
            quantity=form.quantity.data,
            per_buyer_limit=form.per_buyer_limit.data,
            starts_at=form.starts_at.data,
            ends_at=form.ends_at.data,
            name=form.name.data,
        )

    return _create(PromotionKind.FLASH_DEAL, form, create)


@bp.post('/marketing/<any(discounts, vouchers, "flash-deals"):slug>/<int:promotion_id>/end')
@role_required(Role.SELLER)
def marketing_end(slug: str, promotion_id: int) -> ResponseReturnValue:
    if not EndForm().validate_on_submit():
        abort(400)
    store = current_store()
    if store is None:
        abort(404)
    try:
        promotion = services.end_early(store, KINDS[slug], promotion_id)
    except PromotionNotFound:
        db.session.rollback()
        abort(404)
    except AlreadyEnded as error:
        ended = url_for("seller.marketing", state=PromotionState.ENDED.value)
        return refuse(error, category="info", page=lambda _status: redirect(ended))
    name = promotion.name
    db.session.commit()
    flash(f"“{name}” has ended. Orders already placed keep their prices.", "success")
    return redirect(url_for("seller.marketing", state=PromotionState.ENDED.value))
