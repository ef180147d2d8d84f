"""The Seller centre's affiliate tab: sales through creators, for the seller's own store only."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.creators.centre.queries import seller as dashboards
from affiliate.creators.centre.queries.period import PERIODS, parse_period
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.web.pagination import page_arg
from shop.orders.seller.queries import store_of

bp = Blueprint("seller_affiliates", __name__)


@bp.get("/seller/affiliates")
@role_required(Role.SELLER)
def index() -> ResponseReturnValue:
    days = parse_period(request.args.get("days"))
    store = store_of(current_user.id)  # a seller's one store; nobody else's is reachable
    dashboard = None
    if store is not None:
        dashboard = dashboards.seller_dashboard(store.id, store.currency, days, page=page_arg())
    return render_template(
        "creators/seller_affiliates.html",
        store=store,
        dashboard=dashboard,
        currency=store.currency if store else current_app.config["DEFAULT_CURRENCY"],
        periods=PERIODS,
    )
