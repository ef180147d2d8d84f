"""Seller centre home."""

from __future__ import annotations

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.accounts.authz import role_required
from affiliate.accounts.models import Role
from affiliate.ledger import services as ledger
from affiliate.ledger.models import AccountKind
from shop.blueprints import seller_bp as bp


@bp.get("/")
@role_required(Role.SELLER)
def home() -> ResponseReturnValue:
    currency = current_app.config["DEFAULT_CURRENCY"]
    balances = ledger.owner_balances(current_user.id, currency)
    return render_template(
        "seller/home.html",
        currency=currency,
        receivable=balances.get(AccountKind.SELLER_RECEIVABLE, 0),
        entries=ledger.recent_entries(owner_id=current_user.id, limit=20),
    )
