"""What plan changes leave for others: an audit record, and creators' notifications
(invitations, answers, rate cuts).

Each function adds its rows to the caller's transaction (one insert), so a notice exists
exactly when the change it announces was committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from affiliate.plans.commission.rule import format_rate
from affiliate.plans.models import (
    EARNING_STATUSES,
    Plan,
    PlanKind,
    PlanMembership,
    ShowcaseItem,
)
from core.audit import services as audit_log
from core.extensions import db
from core.mail.models import MailCategory
from core.mail.services import absolute_url, user_mail
from core.notifications.services import notify, notify_many
from shop.catalog.models import Product, Store

INVITATIONS = "/creator/invitations"
MY_PLANS = "/creator/plans"
SHOWCASE = "/creator/showcase"


def audit(plan: Plan, action: str, actor_id: int | None, **fields: str | None) -> None:
    """Record ``plan.<action>`` in the audit log, by ``actor_id`` (None: the system)."""
    audit_log.record(
        actor_id=actor_id,
        action=f"plan.{action}",
        subject_type="plan",
        subject_id=plan.id,
        **fields,
    )


def _store_name(plan: Plan) -> str:
    return db.session.scalar(select(Store.name).where(Store.id == plan.store_id)) or "A store"


def invited(plan: Plan, creator_ids: Iterable[int]) -> int:
    creator_ids = list(creator_ids)
    message = f"{_store_name(plan)} invited you to “{plan.name}”. Accept to earn its rates."
    for creator_id in dict.fromkeys(creator_ids):
        _mail(plan, creator_id, "invited", f"Invitation: {plan.name}", message, INVITATIONS)
    return notify_many(creator_ids, message, kind="plan.invited", link=INVITATIONS)


def _mail(plan: Plan, creator_id: int, kind: str, subject: str, message: str, path: str) -> None:
    """Mail a creator about a plan (once per plan, creator and kind of news)."""
    user_mail(
        creator_id,
        f"plan_{kind}",
        event_key=f"plan-{kind}:{plan.id}:{creator_id}",
        category=MailCategory.PLANS,
        subject=subject,
        paragraphs=[message],
        button_label="Open my plans" if kind != "invited" else "See the invitation",
        button_url=absolute_url(path),
    )


def joiner_decided(plan: Plan, creator_id: int, *, approved: bool) -> None:
    if approved:
        message = (
            f"{_store_name(plan)} approved you for “{plan.name}”: you can promote its products."
        )
    else:
        message = f"{_store_name(plan)} declined your request to join “{plan.name}”."
    notify(creator_id, message, kind="plan.joiner_decided", link=MY_PLANS)
    verdict = "approved" if approved else "declined"
    _mail(
        plan,
        creator_id,
        verdict,
        f"Your request to join {plan.name} was {verdict}",
        message,
        MY_PLANS,
    )


def creators_promoting(plan: Plan, product_id: int | None) -> list[int]:
    """Creators with the product (or, for ``None``, any product of the store) in their
    showcase and earning under this plan (a store plan: every such creator)."""
    query = select(ShowcaseItem.creator_id).distinct()
    if product_id is None:
        query = query.join(Product, Product.id == ShowcaseItem.product_id).where(
            Product.store_id == plan.store_id
        )
    else:
        query = query.where(ShowcaseItem.product_id == product_id)
    if plan.kind != PlanKind.STORE.value:
        query = query.join(
            PlanMembership,
            (PlanMembership.creator_id == ShowcaseItem.creator_id)
            & (PlanMembership.plan_id == plan.id),
        ).where(PlanMembership.status.in_(EARNING_STATUSES))
    return list(db.session.scalars(query))


def rate_cut(
    plan: Plan, product_id: int | None, old_bps: int, new_bps: int, effective_at: datetime
) -> int:
    """Tell the creators promoting the product that its rate drops, and when."""
    creators = creators_promoting(plan, product_id)
    if not creators:
        return 0
    if product_id is None:
        what = "every product"
    else:
        title = db.session.scalar(select(Product.title).where(Product.id == product_id))
        what = f"“{title}”"
    message = (
        f"{_store_name(plan)} is cutting the commission of “{plan.name}” on {what} from "
        f"{format_rate(old_bps)} to {format_rate(new_bps)}, from {effective_at:%d %b %Y} (UTC)."
    )
    return notify_many(creators, message, kind="plan.rate_cut", link=SHOWCASE)
