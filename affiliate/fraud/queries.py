"""The finance fraud queue: open fraud holds, oldest first, each with why in words."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from affiliate.creators.attribution.models import Commission, CommissionHold, HoldSource
from affiliate.fraud.models import FraudFlag, FraudRule
from core.accounts.models import User
from core.extensions import db
from core.money import format_money
from core.types import utcnow
from core.web.pagination import Page
from shop.catalog.models import Store

PER_PAGE = 25


def describe(rule: str, evidence: dict[str, Any], currency: str = "USD") -> str:
    """What a flag matched, in words for finance."""
    e = evidence
    if rule == FraudRule.SELF_PURCHASE.value:
        match = e.get("match")
        if match == "account":
            return "The buyer is the creator's own account."
        if match == "address":
            return (
                f"Ships to “{e.get('street')}”, postcode {e.get('postcode')}: the same address "
                f"as in {e.get('seen_in')}."
            )
        if match == "card":
            return (
                f"Paid with a card (fingerprint …{e.get('fingerprint_end')}) the creator paid "
                f"with herself (payment #{e.get('her_payment_id')})."
            )
    if rule == FraudRule.BRUSHING.value:
        cap = format_money(int(e.get("max_amount", 0)), str(e.get("currency") or currency))
        return (
            f"{e.get('orders')} orders of {cap} or less from buyer #{e.get('buyer_id')} through "
            f"this creator within {e.get('window_hours')} h."
        )
    if rule == FraudRule.QUICK_REFUNDS.value:
        return (
            f"{e.get('refunded_quickly')} of buyer #{e.get('buyer_id')}'s {e.get('orders')} "
            f"orders through this creator were refunded within {e.get('within_hours')} h of "
            f"payment (last {e.get('lookback_days')} days)."
        )
    if rule == FraudRule.TAP_TO_ORDER.value:
        return (
            f"Placed {e.get('seconds')} s after the tap on {e.get('content_type')} "
            f"#{e.get('content_id')} (limit {e.get('limit_seconds')} s)."
        )
    if rule == FraudRule.SAMPLE_ABUSE.value:
        return (
            f"Sample #{e.get('sample_id')} ({e.get('product')}) from this store was not posted "
            f"about by its deadline, {e.get('deadline')}."
        )
    return "A rule flagged it."


@dataclass(frozen=True)
class Reason:
    rule: FraudRule
    text: str


@dataclass(frozen=True)
class QueueRow:
    hold: CommissionHold
    commission: Commission
    creator_name: str
    store_name: str
    reasons: list[Reason]

    @property
    def amount_text(self) -> str:
        return format_money(self.commission.net_amount, self.commission.currency)

    def age(self, now: datetime | None = None) -> str:
        opened = self.hold.opened_at
        seconds = max(0, int(((now or utcnow()) - opened).total_seconds()))
        if seconds < 3600:
            return f"{seconds // 60} min"
        if seconds < 86400:
            return f"{seconds // 3600} h"
        return f"{seconds // 86400} d"


def _open_fraud_holds(rule: FraudRule | None) -> Any:
    query = select(CommissionHold).where(
        CommissionHold.source == HoldSource.FRAUD.value, CommissionHold.closed_at.is_(None)
    )
    if rule is not None:
        query = query.where(
            CommissionHold.id.in_(select(FraudFlag.hold_id).where(FraudFlag.rule == rule.value))
        )
    return query


def queue(rule: FraudRule | None = None, page: int = 1, per_page: int = PER_PAGE) -> Page[QueueRow]:
    """One page of the queue, oldest hold first (four queries whatever the page's size)."""
    base = _open_fraud_holds(rule)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows: list[Any] = db.session.execute(  # (hold, commission, creator name, store name)
        base.add_columns(Commission, User.display_name, Store.name)
        .join(Commission, Commission.id == CommissionHold.commission_id)
        .join(User, User.id == Commission.creator_id)
        .join(Store, Store.id == Commission.store_id)
        .order_by(CommissionHold.opened_at, CommissionHold.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()  # type: ignore[assignment]
    flags: dict[int, list[FraudFlag]] = defaultdict(list)
    ids = [row[0].commission_id for row in rows]
    if ids:
        query = select(FraudFlag).where(FraudFlag.commission_id.in_(ids)).order_by(FraudFlag.id)
        for found in db.session.scalars(query):
            flags[found.commission_id].append(found)
    items = [
        QueueRow(
            hold=hold,
            commission=commission,
            creator_name=creator_name,
            store_name=store_name,
            reasons=[
                Reason(f.fraud_rule, describe(f.rule, f.evidence or {}, commission.currency))
                for f in flags[commission.id]
                if f.hold_id == hold.id
            ],
        )
        for hold, commission, creator_name, store_name in rows
    ]
    return Page(items=items, page=page, per_page=per_page, total=total)


def counts_by_rule() -> dict[str, int]:
    """Open fraud holds per rule (a hold with two rules counts under each)."""
    query = (
        select(FraudFlag.rule, func.count(func.distinct(FraudFlag.hold_id)))
        .join(CommissionHold, CommissionHold.id == FraudFlag.hold_id)
        .where(CommissionHold.closed_at.is_(None))
        .group_by(FraudFlag.rule)
    )
    return {str(row[0]): int(row[1]) for row in db.session.execute(query)}
