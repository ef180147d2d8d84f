"""Sample rules: each condition at its boundary, the monthly quota, the rule named on the
approval (and in the audit), the posting-rate floor, and the rule services' refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from affiliate.plans.exceptions import NotFound
from affiliate.plans.samples import rules
from affiliate.plans.samples.exceptions import InvalidSampleRule
from affiliate.plans.samples.models import PostState, SampleRequest, SampleRule, SampleStatus
from affiliate.plans.samples.rules import CreatorFacts, RuleInput
from core.audit.models import AuditEvent
from core.extensions import db
from core.types import utcnow
from tests.creators.factories import make_commission
from tests.plans.helpers_samples import ask, make_world, showcasing
from tests.plans.samples.helpers import add_rule, other_seller

FACTS = CreatorFacts(gmv_30d=50_000, posting_rate_bps=5000, followers=10_000)


def _rule(**conditions: object) -> SampleRule:
    return SampleRule(store_id=1, name="r", **conditions)


@pytest.mark.parametrize(
    ("condition", "meets", "misses"),
    [
        ({"min_gmv_30d": 50_000}, FACTS, CreatorFacts(49_999, 5000, 10_000)),
        ({"min_posting_rate_bps": 5000}, FACTS, CreatorFacts(50_000, 4999, 10_000)),
        ({"min_followers": 10_000}, FACTS, CreatorFacts(50_000, 5000, 9_999)),
    ],
)
def test_each_creator_threshold_holds_at_its_boundary_and_trips_just_below(
    condition: dict, meets: CreatorFacts, misses: CreatorFacts
) -> None:
    rule = _rule(**condition)
    assert rules.rule_holds(rule, meets, price=2500, approved=0)
    assert not rules.rule_holds(rule, misses, price=2500, approved=0)


def test_price_cap_holds_at_the_cap_and_trips_a_cent_above() -> None:
    rule = _rule(max_price=2500)
    assert rules.rule_holds(rule, FACTS, price=2500, approved=0)
    assert not rules.rule_holds(rule, FACTS, price=2501, approved=0)


def test_monthly_quota_allows_up_to_n_and_trips_at_n() -> None:
    rule = _rule(monthly_quota=3)
    assert rules.rule_holds(rule, FACTS, price=2500, approved=2)
    assert not rules.rule_holds(rule, FACTS, price=2500, approved=3)


def test_a_creator_without_a_posting_rate_meets_no_minimum_rate() -> None:
    rule = _rule(min_posting_rate_bps=0)
    assert not rules.rule_holds(rule, CreatorFacts(0, None, 0), price=1, approved=0)


def test_month_start_is_the_first_of_the_utc_month() -> None:
    moment = datetime(2031, 5, 17, 13, 5, tzinfo=UTC)
    assert rules.month_start(moment) == datetime(2031, 5, 1, tzinfo=UTC)


def test_a_matching_rule_approves_the_request_by_itself_and_says_which(app_ctx) -> None:
    world = make_world()
    rule = add_rule(world, "Big audiences", min_followers=1000, max_price=2500)
    sample = ask(world)
    assert sample.status == SampleStatus.APPROVED.value
    assert sample.order_id is not None
    assert sample.approved_rule_id == rule.id
    assert sample.decided_by is None
    assert sample.approved_by_rule == "Rule “Big audiences” (followers ≥ 1,000, price ≤ $25.00)"
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "sample.approve_by_rule", AuditEvent.subject_id == str(sample.id)
        )
    )
    assert event is not None
    assert "Big audiences" in (event.reason or "")


def test_a_request_outside_every_rule_waits_for_the_seller(app_ctx) -> None:
    world = make_world()
    add_rule(world, min_followers=1001)  # the creator has 1,000
    sample = ask(world)
    assert sample.status == SampleStatus.REQUESTED.value
    assert sample.approved_rule_id is None


def test_creator_gmv_rule_counts_the_last_30_days_only(app_ctx) -> None:
    world = make_world()
    make_commission(world.creator, world.other_product, created_at=utcnow() - timedelta(days=31))
    add_rule(world, min_gmv_30d=1)
    assert ask(world).status == SampleStatus.REQUESTED.value
    db.session.execute(
        SampleRequest.__table__.delete().where(SampleRequest.creator_id == world.creator.id)
    )
    make_commission(world.creator, world.other_product, created_at=utcnow() - timedelta(days=1))
    assert ask(world).status == SampleStatus.APPROVED.value


def test_monthly_quota_counts_approvals_of_the_product_this_month(app_ctx) -> None:
    world = make_world(stock=10)
    add_rule(world, "Two a month", product_id=world.product.id, monthly_quota=2)
    first = ask(world)
    second_creator, _ = showcasing(world.product, "dora")
    second = ask(world, second_creator)
    third_creator, _ = showcasing(world.product, "eve")
    third = ask(world, third_creator)
    assert [first.status, second.status, third.status] == ["approved", "approved", "requested"]


def test_product_rules_are_tried_before_store_wide_rules(app_ctx) -> None:
    world = make_world()
    add_rule(world, "Store wide", min_followers=0)
    product_rule = add_rule(world, "This serum", product_id=world.product.id, min_followers=0)
    assert ask(world).approved_rule_id == product_rule.id


def test_a_paused_rule_approves_nothing(app_ctx) -> None:
    world = make_world()
    add_rule(world, min_followers=0, active=False)
    assert ask(world).status == SampleStatus.REQUESTED.value


def test_a_creator_below_the_posting_floor_waits_for_the_seller_whatever_the_rules(
    app_ctx,
) -> None:
    world = make_world(stock=10)
    add_rule(world, min_followers=0)
    rules.set_posting_floor(world.seller, 5000)
    # One settled sample, not posted: a 0% rate.
    db.session.add(
        SampleRequest(
            creator_id=world.creator.id,
            product_id=world.other_product.id,
            variant_id=world.other_product.variants[0].id,
            store_id=world.store.id,
            address_id=world.address.id,
            note="An older sample, never posted about.",
            status=SampleStatus.DECLINED.value,
            post_state=PostState.NOT_POSTED.value,
            post_deadline=utcnow() - timedelta(days=1),
        )
    )
    db.session.commit()
    assert ask(world).status == SampleStatus.REQUESTED.value


def test_a_creator_without_a_rate_is_not_below_the_floor(app_ctx) -> None:
    world = make_world()
    add_rule(world, min_followers=0)
    rules.set_posting_floor(world.seller, 5000)
    db.session.commit()
    assert ask(world).status == SampleStatus.APPROVED.value


def test_an_out_of_stock_variant_leaves_the_rule_approved_request_waiting(app_ctx) -> None:
    world = make_world(stock=0)
    add_rule(world, min_followers=0)
    sample = ask(world)
    assert sample.status == SampleStatus.REQUESTED.value
    assert sample.approved_rule_id is None


def test_a_rule_needs_at_least_one_condition(app_ctx) -> None:
    world = make_world()
    with pytest.raises(InvalidSampleRule, match="at least one condition"):
        rules.create_rule(world.seller, RuleInput(name="Everything"))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("min_posting_rate_bps", 10_001),
        ("min_posting_rate_bps", -1),
        ("min_gmv_30d", -1),
        ("min_followers", -5),
        ("max_price", -1),
        ("monthly_quota", 0),
    ],
)
def test_a_rule_with_an_out_of_range_condition_is_refused(app_ctx, field: str, value: int) -> None:
    world = make_world()
    with pytest.raises(InvalidSampleRule):
        rules.create_rule(world.seller, RuleInput(name="Bad", **{field: value}))


def test_a_rule_for_another_stores_product_is_refused(app_ctx) -> None:
    world = make_world()
    _, _, their_product = other_seller()
    with pytest.raises(InvalidSampleRule, match="your store's products"):
        rules.create_rule(
            world.seller, RuleInput(name="Theirs", product_id=their_product.id, min_followers=1)
        )


def test_another_sellers_rule_reads_as_missing(app_ctx) -> None:
    world = make_world()
    rule = add_rule(world, min_followers=1)
    olga, _, _ = other_seller()
    with pytest.raises(NotFound):
        rules.update_rule(olga, rule.id, RuleInput(name="Mine", min_followers=2))
    with pytest.raises(NotFound):
        rules.delete_rule(olga, rule.id)


def test_deleting_a_rule_keeps_its_words_on_the_requests_it_approved(app_ctx) -> None:
    world = make_world()
    rule = add_rule(world, "Gone soon", min_followers=0)
    sample = ask(world)
    rules.delete_rule(world.seller, rule.id)
    db.session.commit()
    db.session.refresh(sample)
    assert sample.approved_rule_id is None
    assert sample.approved_by_rule.startswith("Rule “Gone soon”")
