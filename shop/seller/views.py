"""Seller centre home: the ledger balance, today's orders, this week's GMV, orders to ship,
and the last 30 days as a chart."""

from __future__ import annotations

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.accounts.authz import role_required
from core.accounts.models import Role
from core.ledger import services as ledger
from core.ledger.models import AccountKind
from core.money import to_decimal
from core.types import utcnow
from shop.blueprints import seller_bp as bp
from shop.orders import seller_queries

CHART_DAYS = 30


@bp.get("/")
@role_required(Role.SELLER)
def home() -> ResponseReturnValue:
    store = seller_queries.store_of(current_user.id)
    currency = store.currency if store else current_app.config["DEFAULT_CURRENCY"]
    balances = ledger.owner_balances(current_user.id, currency)
    figures = days = chart = None
    if store is not None:
        now = utcnow()
        figures = seller_queries.numbers(store.id, now)
        days = seller_queries.daily(store.id, now, CHART_DAYS)
        chart = {
            "currency": currency,
            "labels": [point.day.isoformat() for point in days],
            "orders": [point.orders for point in days],
            "gmv": [float(to_decimal(point.gmv, currency)) for point in days],
        }
    return render_template(
        "seller/home.html",
        currency=currency,
        receivable=balances.get(AccountKind.SELLER_RECEIVABLE, 0),
        entries=ledger.recent_entries(owner_id=current_user.id, limit=20),
        store=store,
        figures=figures,
        days=days,
        chart=chart,
    )
