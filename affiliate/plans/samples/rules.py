"""Sample rules: conditions under which a seller's store approves a request by itself.

A rule (``SampleRule``) covers one product or, with no product, the whole store. It approves a
request when every condition it sets holds, each compared inclusively at its boundary:

- the creator's GMV over the last 30 days is at least ``min_gmv_30d`` (the store's currency);
- the creator's posting rate is at least ``min_posting_rate_bps`` (a creator with no settled
  sample yet has no rate, which meets no minimum);
- the creator has at least ``min_followers``;
- the requested option's price is at most ``max_price``;
- fewer than ``monthly_quota`` samples of the product were approved this calendar month (UTC),
  by hand or by a rule.

Product rules are tried before store-wide ones, then oldest first; the first that holds
approves. A store's posting-rate floor (``SampleSetting``) overrides every rule: a creator
below it (with a rate) waits for the seller. Requests no rule approves wait, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from affiliate.plans.exceptions import NotFound
from affiliate.plans.samples.exceptions import InvalidSampleRule
from affiliate.plans.samples.models import (
    RULE_NAME_MAX,
    SampleRequest,
    SampleRule,
    SampleSetting,
    SampleStatus,
)
from affiliate.plans.samples.obligations import BPS, format_rate, posting_rate
from affiliate.profiles import hooks as profile_hooks
from affiliate.profiles.models import CreatorProfile
from core.accounts.models import User
from core.audit import services as audit
from core.extensions import db
from core.money import format_money
from core.types import utcnow
from shop.catalog.models import Product, Store
from shop.catalog.stores import get_store_for_owner

GMV_DAYS = 30
MAX_RULES = 50
MAX_AMOUNT = 10**12
MAX_FOLLOWERS = 10**10
MAX_QUOTA = 10_000
_MAX_KEY = 2**63 - 1


@dataclass(frozen=True)
class RuleInput:
    """A rule as the seller typed it (amounts in minor units; ``None``: not checked)."""

    name: str
    product_id: int | None = None
    min_gmv_30d: int | None = None
    min_posting_rate_bps: int | None = None
    min_followers: int | None = None
    max_price: int | None = None
    monthly_quota: int | None = None
    active: bool = True


@dataclass(frozen=True)
class CreatorFacts:
    """What the rules know of the creator when a request arrives."""

    gmv_30d: int
    posting_rate_bps: int | None
    followers: int


def month_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def creator_facts(creator_id: int, currency: str, now: datetime) -> CreatorFacts:
    """The creator's 30-day GMV (as the directory measures it), posting rate and followers."""
    gmv = 0
    figures = profile_hooks.directory_figures()
    if figures is not None:
        measured = figures.gmv(currency, now - timedelta(days=GMV_DAYS), [creator_id])
        gmv = int(db.session.scalar(select(measured.c.gmv)) or 0)
    followers = db.session.scalar(
        select(CreatorProfile.follower_count).where(CreatorProfile.user_id == creator_id)
    )
    return CreatorFacts(gmv, posting_rate(creator_id).bps, int(followers or 0))


def approved_this_month(product_id: int, now: datetime) -> int:
    return (
        db.session.scalar(
            select(func.count(SampleRequest.id)).where(
                SampleRequest.product_id == product_id,
                SampleRequest.status == SampleStatus.APPROVED.value,
                SampleRequest.decided_at >= month_start(now),
            )
        )
        or 0
    )


def rule_holds(rule: SampleRule, facts: CreatorFacts, price: int, approved: int) -> bool:
    """Whether every condition the rule sets holds (boundaries included)."""
    if rule.min_gmv_30d is not None and facts.gmv_30d < rule.min_gmv_30d:
        return False
    if rule.min_posting_rate_bps is not None and (
        facts.posting_rate_bps is None or facts.posting_rate_bps < rule.min_posting_rate_bps
    ):
        return False
    if rule.min_followers is not None and facts.followers < rule.min_followers:
        return False
    if rule.max_price is not None and price > rule.max_price:
        return False
    return rule.monthly_quota is None or approved < rule.monthly_quota


def conditions(rule: SampleRule, currency: str) -> list[str]:
    """The rule's conditions, in words."""
    said = []
    if rule.min_gmv_30d is not None:
        said.append(f"30-day GMV ≥ {format_money(rule.min_gmv_30d, currency)}")
    if rule.min_posting_rate_bps is not None:
        said.append(f"posting rate ≥ {format_rate(rule.min_posting_rate_bps)}")
    if rule.min_followers is not None:
        said.append(f"followers ≥ {rule.min_followers:,}")
    if rule.max_price is not None:
        said.append(f"price ≤ {format_money(rule.max_price, currency)}")
    if rule.monthly_quota is not None:
        said.append(f"at most {rule.monthly_quota} a month")
    return said


def describe(rule: SampleRule, currency: str) -> str:
    """``Rule “Proven creators” (followers ≥ 10,000, price ≤ $40.00)``."""
    return f"Rule “{rule.name}” ({', '.join(conditions(rule, currency))})"


def posting_floor(store_id: int) -> int | None:
    return db.session.scalar(
        select(SampleSetting.min_posting_rate_bps).where(SampleSetting.store_id == store_id)
    )


def below_floor(rate_bps: int | None, floor: int | None) -> bool:
    """A creator with a rate under the store's floor must be approved by hand."""
    return floor is not None and rate_bps is not None and rate_bps < floor


def matching_rule(sample: SampleRequest, price: int, currency: str) -> SampleRule | None:
    """The first active rule of the sample's store that approves it now, if any."""
    rules = list(
        db.session.scalars(
            select(SampleRule)
            .where(
                SampleRule.store_id == sample.store_id,
                SampleRule.active.is_(True),
                (SampleRule.product_id == sample.product_id) | SampleRule.product_id.is_(None),
            )
            .order_by(SampleRule.product_id.is_(None), SampleRule.id)
        )
    )
    if not rules:
        return None
    now = utcnow()
    facts = creator_facts(sample.creator_id, currency, now)
    if below_floor(facts.posting_rate_bps, posting_floor(sample.store_id)):
        return None
    approved = approved_this_month(sample.product_id, now)
    return next((r for r in rules if rule_holds(r, facts, price, approved)), None)


# ---------------------------------------------------------------------------------------------
# The seller manages rules
# ---------------------------------------------------------------------------------------------


def _store_of(seller: User) -> Store:
    store = get_store_for_owner(seller.id)
    if store is None:
        raise NotFound("Open a store first.")
    return store


def _bounded(value: int | None, low: int, high: int, message: str, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidSampleRule(message, field=field)
    return value


def _clean(store: Store, data: RuleInput) -> dict[str, object]:
    name = (data.name or "").strip()
    if not name or len(name) > RULE_NAME_MAX:
        raise InvalidSampleRule(f"Name the rule in 1 to {RULE_NAME_MAX} characters.", field="name")
    product_id = data.product_id
    if product_id is not None:
        product = db.session.get(Product, product_id) if 0 < product_id <= _MAX_KEY else None
        if product is None or product.store_id != store.id:
            raise InvalidSampleRule("Choose one of your store's products.", field="product_id")
    values = {
        "min_gmv_30d": _bounded(
            data.min_gmv_30d, 0, MAX_AMOUNT, "The GMV must be zero or more.", "min_gmv_30d"
        ),
        "min_posting_rate_bps": _bounded(
            data.min_posting_rate_bps,
            0,
            BPS,
            "A posting rate is from 0% to 100%.",
            "min_posting_rate",
        ),
        "min_followers": _bounded(
            data.min_followers, 0, MAX_FOLLOWERS, "Followers must be 0 or more.", "min_followers"
        ),
        "max_price": _bounded(
            data.max_price, 0, MAX_AMOUNT, "The price cap must be zero or more.", "max_price"
        ),
        "monthly_quota": _bounded(
            data.monthly_quota,
            1,
            MAX_QUOTA,
            f"A monthly quota is from 1 to {MAX_QUOTA}.",
            "monthly_quota",
        ),
    }
    if all(value is None for value in values.values()):
        raise InvalidSampleRule(
            "Set at least one condition: a rule without one would approve every request."
        )
    return {"name": name, "product_id": product_id, "active": bool(data.active), **values}


def _get_rule(store: Store, rule_id: int) -> SampleRule:
    rule = db.session.get(SampleRule, rule_id) if 0 < rule_id <= _MAX_KEY else None
    if rule is None or rule.store_id != store.id:
        raise NotFound("That rule does not exist.")
    return rule


def _audit(seller: User, rule: SampleRule, action: str, currency: str) -> None:
    audit.record(
        actor_id=seller.id,
        action=f"sample_rule.{action}",
        subject_type="sample_rule",
        subject_id=rule.id,
        reason=describe(rule, currency)[:500],
    )


def create_rule(seller: User, data: RuleInput) -> SampleRule:
    store = _store_of(seller)
    values = _clean(store, data)
    count = db.session.scalar(
        select(func.count(SampleRule.id)).where(SampleRule.store_id == store.id)
    )
    if (count or 0) >= MAX_RULES:
        raise InvalidSampleRule(f"A store has at most {MAX_RULES} sample rules.")
    now = utcnow()
    rule = SampleRule(store_id=store.id, created_at=now, updated_at=now, **values)
    db.session.add(rule)
    db.session.flush()
    _audit(seller, rule, "create", store.currency)
    return rule


def update_rule(seller: User, rule_id: int, data: RuleInput) -> SampleRule:
    store = _store_of(seller)
    rule = _get_rule(store, rule_id)
    for key, value in _clean(store, data).items():
        setattr(rule, key, value)
    rule.updated_at = utcnow()
    db.session.flush()
    _audit(seller, rule, "update", store.currency)
    return rule


def delete_rule(seller: User, rule_id: int) -> None:
    """Delete the rule; requests it approved keep its words (``approved_by_rule``)."""
    store = _store_of(seller)
    rule = _get_rule(store, rule_id)
    _audit(seller, rule, "delete", store.currency)
    db.session.delete(rule)
    db.session.flush()


def get_rule(seller: User, rule_id: int) -> SampleRule:
    return _get_rule(_store_of(seller), rule_id)


def set_posting_floor(seller: User, min_rate_bps: int | None) -> SampleSetting:
    """Creators below this posting rate wait for the seller whatever the rules (None: none)."""
    store = _store_of(seller)
    _bounded(min_rate_bps, 0, BPS, "A posting rate is from 0% to 100%.", "min_posting_rate")
    setting = db.session.get(SampleSetting, store.id)
    if setting is None:
        setting = SampleSetting(store_id=store.id)
        db.session.add(setting)
    setting.min_posting_rate_bps = min_rate_bps
    setting.updated_at = utcnow()
    audit.record(
        actor_id=seller.id,
        action="sample.posting_floor",
        subject_type="store",
        subject_id=store.id,
        to_state="none" if min_rate_bps is None else format_rate(min_rate_bps),
    )
    db.session.flush()
    return setting


def store_rules(store_id: int) -> list[tuple[SampleRule, str | None]]:
    """The store's rules with their product's title (None: whole store), product rules first
    (one query)."""
    rows = db.session.execute(
        select(SampleRule, Product.title)
        .outerjoin(Product, Product.id == SampleRule.product_id)
        .where(SampleRule.store_id == store_id)
        .order_by(SampleRule.product_id.is_(None), SampleRule.id)
    ).all()
    return [(rule, title) for rule, title in rows]


def rule_approvals(store_id: int) -> Mapping[int, int]:
    """How many requests each of the store's rules approved (one query)."""
    rows = db.session.execute(
        select(SampleRequest.approved_rule_id, func.count(SampleRequest.id))
        .where(SampleRequest.store_id == store_id, SampleRequest.approved_rule_id.is_not(None))
        .group_by(SampleRequest.approved_rule_id)
    )
    return {rule_id: count for rule_id, count in rows.all() if rule_id is not None}
