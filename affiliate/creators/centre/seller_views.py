"""The Seller centre's affiliate tab: sales through creators, for the seller's own store only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.creators.centre.queries import seller as dashboards
from affiliate.creators.centre.queries.period import PERIODS, parse_period
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.web.pagecache import render_private_page
from core.web.pagination import page_arg
from shop.orders.seller.queries import store_of

bp = Blueprint("seller_affiliates", __name__)


@bp.get("/seller/affiliates")
@role_required(Role.SELLER)
def index() -> ResponseReturnValue:
    days = parse_period(request.args.get("days"))
    page = page_arg()

    def context() -> dict[str, Any]:
        store = store_of(current_user.id)  # a seller's one store; nobody else's is reachable
        dashboard = None
        if store is not None:
            dashboard = dashboards.seller_dashboard(store.id, store.currency, days, page=page)
        return {
            "store": store,
            "dashboard": dashboard,
            "currency": store.currency if store else current_app.config["DEFAULT_CURRENCY"],
            "periods": PERIODS,
        }

    return render_private_page("creators/seller_affiliates.html", context)
