"""The Creator centre, and the creator's side of affiliate plans.

A creator sees only their own showcase, invitations and memberships: another creator's
invitation reads as missing (404). Bad input answers 400, a move a plan forbids 409, and
nothing is written; each action is one transaction, committed here.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.creators.centre.queries import creator as dashboards
from affiliate.creators.centre.queries import marketplace
from affiliate.creators.centre.queries import plans as creator_plans
from affiliate.creators.centre.queries.marketplace import MarketFilters, MarketSort
from affiliate.creators.centre.queries.period import PERIODS, parse_period
from affiliate.creators.flatfees import queries as flatfee_queries
from affiliate.plans import memberships, rates
from affiliate.plans import queries as plan_queries
from affiliate.plans import showcase as plan_showcase
from affiliate.plans.commission.rule import format_rate
from affiliate.plans.exceptions import PlanError
from affiliate.plans.loaders import get_membership_or_404
from affiliate.plans.showcase import ShowcaseAddition
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.extensions import db
from core.ledger import services as ledger
from core.ledger.models import AccountKind
from core.web.pagecache import render_private_page
from core.web.pagination import page_arg
from core.web.refusals import refuse
from shop.catalog.models import Category
from shop.catalog.views import category_tree, parse_price_range

bp = Blueprint("creators", __name__, url_prefix="/creator")

#: The creator's balances, each with what it holds.
CREATOR_BALANCES = (
    (
        AccountKind.CREATOR_PENDING,
        "Commission on paid orders, settling when each order completes.",
    ),
    (AccountKind.CREATOR_AVAILABLE, "Settled commission you can withdraw (2% fee)."),
    (AccountKind.CREATOR_HELD, "Requested withdrawals waiting for finance and payout."),
)


@bp.get("/")
@role_required(Role.CREATOR)
def centre() -> ResponseReturnValue:
    currency = current_app.config["DEFAULT_CURRENCY"]
    days = parse_period(request.args.get("days"))
    page = page_arg()

    def context() -> dict[str, Any]:
        by_currency = ledger.owner_balances_by_currency(current_user.id)
        balances = by_currency.get(currency, {})
        # Earnings in other currencies (stores that sell in them): each has its own wallet.
        elsewhere = {
            code: (
                found.get(AccountKind.CREATOR_PENDING, 0),
                found.get(AccountKind.CREATOR_AVAILABLE, 0),
            )
            for code, found in by_currency.items()
            if code != currency and any(found.values())
        }
        return {
            "currency": currency,
            "balances": [(kind, balances.get(kind, 0), hint) for kind, hint in CREATOR_BALANCES],
            "elsewhere": elsewhere,
            "entries": ledger.recent_entries(owner_id=current_user.id, limit=20),
            "dashboard": dashboards.creator_dashboard(current_user.id, days, currency, page=page),
            "periods": PERIODS,
        }

    return render_private_page("creators/centre.html", context)


# ---------------------------------------------------------------------------------------------
# Plans, seen by the creator: marketplace, showcase, invitations, memberships
# ---------------------------------------------------------------------------------------------


@bp.context_processor
def _creator_helpers() -> dict[str, Any]:
    return {"rate": format_rate}


@bp.app_context_processor
def _creator_nav_helpers() -> dict[str, Any]:
    """What the Creator centre's menu (``creators/_nav.html``) calls, on every page that has it
    (videos, lives, samples, codes, wallet): a callable, so only those pages pay for the count."""

    def pending_invitations() -> int:
        if not current_user.is_authenticated:
            return 0
        return creator_plans.pending_invitation_count(current_user.id)

    return {"pending_invitations": pending_invitations}


def _parse_market_filters() -> tuple[MarketFilters, list[str], Category | None]:
    """Filters from the query string; bad values are dropped with a message for the page."""
    messages: list[str] = []
    args = request.args
    currency = current_app.config["DEFAULT_CURRENCY"]
    low, high = parse_price_range(args, currency, messages)

    min_rate = None
    raw_rate = args.get("min_rate", "").strip().rstrip("%").strip()
    if raw_rate:
        try:
            min_rate = rates.parse_rate_percent(raw_rate)
        except PlanError as error:
            messages.append(f"Rate at least “{raw_rate[:10]}”: {error} It was ignored.")

    category, category_ids = None, None
    if args.get("category"):
        tree = category_tree()
        category = tree.by_slug.get(args["category"])
        if category is None:
            messages.append("That category does not exist; showing all categories.")
        else:
            category_ids = tree.subtree_ids(category)

    store_id = None
    raw_store = args.get("store", "")
    if raw_store:
        # A store id is an INTEGER: a larger one names no store (and would overflow the query).
        digits = raw_store.isascii() and raw_store.isdigit() and len(raw_store) <= 10
        if digits and 0 < int(raw_store) < 2**31:
            store_id = int(raw_store)
        else:
            messages.append("That store does not exist; showing every store.")

    sort = next((s for s in MarketSort if s.value == args.get("sort")), MarketSort.RATE)
    filters = MarketFilters(
        sort=sort,
        search=args.get("q", "").strip()[: marketplace.MAX_SEARCH],
        category_ids=category_ids,
        min_rate_bps=min_rate,
        min_price=low,
        max_price=high,
        store_id=store_id,
    )
    return filters, messages, category


def _marketplace_response(status: int = 200) -> ResponseReturnValue:
    filters, messages, category = _parse_market_filters()
    page = marketplace.marketplace_page(current_user.id, filters, page_arg())
    return (
        render_template(
            "creators/marketplace.html",
            page=page,
            filters=filters,
            messages=messages,
            categories=category_tree(),
            chosen_category=category,
            stores=marketplace.marketplace_stores(current_user.id),
            sorts=list(MarketSort),
            currency=current_app.config["DEFAULT_CURRENCY"],
        ),
        status,
    )


@bp.get("/marketplace", endpoint="marketplace")
@role_required(Role.CREATOR)
def marketplace_page() -> ResponseReturnValue:
    return _marketplace_response()


def _product_id_from_form() -> int:
    raw = request.form.get("product_id", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) < 19):
        abort(400)
    return int(raw)


@bp.post("/showcase/add")
@role_required(Role.CREATOR)
def showcase_add() -> ResponseReturnValue:
    product_id = _product_id_from_form()
    try:
        added = memberships.add_to_showcase(current_user.id, product_id)
    except PlanError as error:
        return refuse(error, page=_marketplace_response)
    db.session.commit()
    flash(*_added_message(added))
    return redirect(url_for("creators.marketplace", **request.args, _anchor=f"p{product_id}"))


def _added_message(added: ShowcaseAddition) -> tuple[str, str]:
    title = added.product.title
    if added.awaiting is None:
        return "Added to your showcase.", "success"
    plan = f"“{added.awaiting.plan_name}” ({added.awaiting.describe()})"
    if added.item is None:
        return (
            f"Request sent to join {plan}. “{title}” joins your showcase once the seller "
            "approves you; until then it is not in your showcase.",
            "info",
        )
    now = "nothing"
    if added.now is not None:
        now = f"{format_rate(added.now.rate_bps)} under the {added.now.kind.label}"
    return (
        f"Request sent to join {plan}. Until the seller approves you, “{title}” earns {now}.",
        "info",
    )


@bp.post("/showcase/remove")
@role_required(Role.CREATOR)
def showcase_remove() -> ResponseReturnValue:
    product_id = _product_id_from_form()
    removed = plan_showcase.remove_from_showcase(current_user.id, product_id)
    db.session.commit()
    if removed:
        flash("Removed from your showcase.", "success")
    else:
        flash("That product was not in your showcase.", "info")
    return redirect(url_for("creators.showcase"))


@bp.get("/showcase")
@role_required(Role.CREATOR)
def showcase() -> ResponseReturnValue:
    return render_template(
        "creators/showcase.html",
        rows=creator_plans.showcase_entries(plan_showcase.showcase_of(current_user.id)),
        waiting=creator_plans.waiting_entries(plan_showcase.waiting_of(current_user.id)),
    )


def _invitations_response(status: int = 200) -> ResponseReturnValue:
    invitations = creator_plans.invitations(
        current_user.id, plan_queries.invitations_for(current_user.id)
    )
    flat_fees = flatfee_queries.offers_for_plans(i.plan.id for i in invitations)
    return (
        render_template("creators/invitations.html", invitations=invitations, flat_fees=flat_fees),
        status,
    )


@bp.get("/invitations")
@role_required(Role.CREATOR)
def invitations() -> ResponseReturnValue:
    return _invitations_response()


@bp.post("/invitations/<int:membership_id>/<any(accept, decline):answer>")
@role_required(Role.CREATOR)
def answer_invitation(membership_id: int, answer: str) -> ResponseReturnValue:
    membership = get_membership_or_404(membership_id, creator_id=current_user.id)
    accept = answer == "accept"
    try:
        memberships.respond_to_invitation(membership.id, current_user.id, accept=accept)
    except PlanError as error:
        return refuse(error, page=_invitations_response)
    name = membership.plan.name
    db.session.commit()
    if accept:
        flash(f"You joined “{name}”. Its products now earn you its rate.", "success")
    else:
        flash(f"You declined “{name}”.", "info")
    return redirect(url_for("creators.invitations"))


@bp.get("/plans")
@role_required(Role.CREATOR)
def my_plans() -> ResponseReturnValue:
    rows = creator_plans.membership_rows(plan_queries.memberships_for(current_user.id))
    return render_template(
        "creators/my_plans.html",
        memberships=rows,
        flat_fees=flatfee_queries.offers_for_plans(row.plan.id for row in rows),
    )
