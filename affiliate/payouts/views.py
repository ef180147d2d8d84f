"""The Finance centre."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from affiliate.accounts.authz import role_required
from affiliate.accounts.models import Role
from affiliate.ledger import services as ledger

bp = Blueprint("payouts", __name__, url_prefix="/finance")


@bp.get("/")
@role_required(Role.FINANCE)
def finance_centre() -> ResponseReturnValue:
    currency = current_app.config["DEFAULT_CURRENCY"]
    return render_template(
        "payouts/finance_centre.html",
        currency=currency,
        balances=ledger.platform_balances(currency),
        checks=ledger.latest_checks(limit=5),
        entries=ledger.recent_entries(limit=20),
    )
