"""The Creator centre."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.accounts.authz import role_required
from affiliate.accounts.models import Role
from affiliate.ledger import services as ledger
from affiliate.ledger.models import AccountKind

bp = Blueprint("creators", __name__, url_prefix="/creator")

CREATOR_BALANCES = (
    AccountKind.CREATOR_PENDING,
    AccountKind.CREATOR_AVAILABLE,
    AccountKind.CREATOR_HELD,
)


@bp.get("/")
@role_required(Role.CREATOR)
def centre() -> ResponseReturnValue:
    currency = current_app.config["DEFAULT_CURRENCY"]
    balances = ledger.owner_balances(current_user.id, currency)
    return render_template(
        "creators/centre.html",
        currency=currency,
        balances=[(kind, balances.get(kind, 0)) for kind in CREATOR_BALANCES],
        entries=ledger.recent_entries(owner_id=current_user.id, limit=20),
    )
