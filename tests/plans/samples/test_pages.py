"""The seller's rules, economics and obligation actions, and the creator's deadline, as pages:
CSRF, ownership (another seller gets 404), bad input (400, nothing written), constant
statement counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from affiliate.plans.samples import obligations
from affiliate.plans.samples.models import SampleRequest, SampleRule, SampleSetting
from core.extensions import db
from core.types import utcnow
from tests.conftest import Auth, post_form
from tests.creators.factories import make_commission, make_video
from tests.plans.helpers_samples import ask, make_world, showcasing
from tests.plans.samples.helpers import add_rule, deliver, other_seller

RULE_FORM = {
    "name": "Proven creators",
    "product_id": "",
    "min_gmv_30d": "",
    "min_posting_rate": "",
    "min_followers": "1000",
    "max_price": "25.00",
    "monthly_quota": "",
    "active": "y",
}


@pytest.fixture
def world(app_ctx):
    return make_world(stock=10)


def _sign_in(app, email: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


def _rules() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(SampleRule.id))) or 0


def test_seller_creates_a_rule_and_sees_it_listed(app, world) -> None:
    seller = _sign_in(app, "sal@example.com")
    response = post_form(seller, "/seller/samples/rules", RULE_FORM)
    assert response.status_code == 302
    rule = db.session.scalar(select(SampleRule))
    assert (rule.min_followers, rule.max_price, rule.product_id) == (1000, 2500, None)
    page = seller.get("/seller/samples/rules").get_data(as_text=True)
    assert "Proven creators" in page
    assert "followers ≥ 1,000 · price ≤ $25.00" in page


def test_a_rule_without_csrf_is_refused(app, world) -> None:
    seller = _sign_in(app, "sal@example.com")
    response = seller.post("/seller/samples/rules", data=RULE_FORM)
    assert response.status_code == 400
    assert _rules() == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"name": ""},
        {"min_posting_rate": "101"},
        {"min_posting_rate": "abc"},
        {"min_followers": "-1"},
        {"max_price": "twelve"},
        {"max_price": "-3.00"},
        {"monthly_quota": "0"},
        {"product_id": "999999"},
        {"product_id": "x1"},
        {"min_followers": "", "max_price": ""},  # no condition at all
    ],
)
def test_a_bad_rule_answers_400_and_writes_nothing(app, world, bad: dict) -> None:
    seller = _sign_in(app, "sal@example.com")
    response = post_form(seller, "/seller/samples/rules", {**RULE_FORM, **bad})
    assert response.status_code == 400
    assert _rules() == 0


def test_seller_edits_and_deletes_their_rule(app, world) -> None:
    rule = add_rule(world, min_followers=5)
    seller = _sign_in(app, "sal@example.com")
    assert seller.get(f"/seller/samples/rules/{rule.id}/edit").status_code == 200
    edited = post_form(
        seller,
        f"/seller/samples/rules/{rule.id}/edit",
        {**RULE_FORM, "product_id": str(world.product.id), "monthly_quota": "3"},
    )
    assert edited.status_code == 302
    db.session.expire_all()
    rule = db.session.get(SampleRule, rule.id)
    assert (rule.product_id, rule.monthly_quota) == (world.product.id, 3)
    assert post_form(seller, f"/seller/samples/rules/{rule.id}/delete").status_code == 302
    assert _rules() == 0


def test_another_sellers_rule_is_404_to_see_edit_or_delete(app, world) -> None:
    rule = add_rule(world, min_followers=5)
    other_seller()
    olga = _sign_in(app, "olga@example.com")
    assert olga.get(f"/seller/samples/rules/{rule.id}/edit").status_code == 404
    assert post_form(olga, f"/seller/samples/rules/{rule.id}/edit", RULE_FORM).status_code == 404
    assert post_form(olga, f"/seller/samples/rules/{rule.id}/delete").status_code == 404
    assert f'data-rule-id="{rule.id}"' not in olga.get("/seller/samples/rules").get_data(
        as_text=True
    )
    assert _rules() == 1


def test_creators_cannot_reach_the_rules(app, world) -> None:
    creator = _sign_in(app, world.creator.email)
    assert creator.get("/seller/samples/rules").status_code in (403, 404)


def test_seller_sets_and_clears_the_posting_floor(app, world) -> None:
    seller = _sign_in(app, "sal@example.com")
    assert (
        post_form(seller, "/seller/samples/posting-floor", {"min_posting_rate": "40"}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(SampleSetting, world.store.id).min_posting_rate_bps == 4000
    assert (
        post_form(seller, "/seller/samples/posting-floor", {"min_posting_rate": "140"}).status_code
        == 400
    )
    assert (
        post_form(seller, "/seller/samples/posting-floor", {"min_posting_rate": ""}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(SampleSetting, world.store.id).min_posting_rate_bps is None


def test_the_creator_is_told_which_rule_approved_and_the_seller_sees_it(app, world) -> None:
    add_rule(world, "Big audiences", min_followers=0)
    creator = _sign_in(app, world.creator.email)
    response = post_form(
        creator,
        f"/creator/samples/new/{world.product.id}",
        {
            "variant_id": str(world.variant.id),
            "note": "A morning routine video next week.",
            "address": str(world.address.id),
        },
        follow_redirects=True,
    )
    assert "approved at once by the seller&#39;s rule “Big audiences”" in response.get_data(
        as_text=True
    )
    seller = _sign_in(app, "sal@example.com")
    queue = seller.get("/seller/samples?status=approved").get_data(as_text=True)
    assert "Approved automatically" in queue
    assert "Rule “Big audiences”" in queue


def _due_sample(world) -> SampleRequest:  # type: ignore[no-untyped-def]
    add_rule(world, min_followers=0)
    sample = ask(world)
    deliver(sample, world, utcnow() - timedelta(hours=1))
    obligations.sweep(utcnow(), 14)
    db.session.commit()
    return sample


def test_the_creator_sees_the_deadline_and_their_posting_rate(app, world) -> None:
    sample = _due_sample(world)
    creator = _sign_in(app, world.creator.email)
    page = creator.get("/creator/samples").get_data(as_text=True)
    assert "Post due" in page
    assert f"{sample.post_deadline:%d %b %Y}" in page or "Post content with this product by" in page
    assert "Your posting rate" in page


def test_the_seller_nudges_once_through_the_queue(app, world) -> None:
    sample = _due_sample(world)
    seller = _sign_in(app, "sal@example.com")
    assert post_form(seller, f"/seller/samples/{sample.id}/nudge").status_code == 302
    again = post_form(seller, f"/seller/samples/{sample.id}/nudge")
    assert again.status_code == 409
    assert "already nudged" in again.get_data(as_text=True)


def test_another_seller_cannot_nudge_or_cost_a_sample(app, world) -> None:
    sample = _due_sample(world)
    other_seller()
    olga = _sign_in(app, "olga@example.com")
    assert post_form(olga, f"/seller/samples/{sample.id}/nudge").status_code == 404
    assert (
        post_form(
            olga, f"/seller/samples/{sample.id}/shipping-cost", {"amount": "1.00"}
        ).status_code
        == 404
    )
    db.session.expire_all()
    assert db.session.get(SampleRequest, sample.id).nudged_at is None


def test_seller_records_shipping_cost_and_bad_amounts_are_400(app, world) -> None:
    add_rule(world, min_followers=0)
    sample = ask(world)
    seller = _sign_in(app, "sal@example.com")
    assert (
        post_form(
            seller, f"/seller/samples/{sample.id}/shipping-cost", {"amount": "4.20"}
        ).status_code
        == 302
    )
    for bad in ("-1", "abc", "", "1.234"):
        assert (
            post_form(
                seller, f"/seller/samples/{sample.id}/shipping-cost", {"amount": bad}
            ).status_code
            == 400
        )
    db.session.expire_all()
    assert db.session.get(SampleRequest, sample.id).shipping_cost == 420


def test_economics_page_and_csv(app, world) -> None:
    add_rule(world, min_followers=0)
    ask(world)
    video = make_video(world.creator.id, [world.product], created_at=utcnow())
    make_commission(world.creator, world.product, content=video, rate_bps=1000)
    seller = _sign_in(app, "sal@example.com")
    page = seller.get("/seller/samples/economics")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "sample-econ-chart" in text
    assert "$25.00" in text
    exported = seller.get("/seller/samples/economics.csv?by=product")
    assert exported.status_code == 200
    assert exported.mimetype == "text/csv"
    assert "attachment" in exported.headers["Content-Disposition"]
    assert "Night serum" in exported.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-13-01",
        "from=yesterday",
        "from=2030-02-01&to=2030-01-01",
        "from=2020-01-01&to=2030-01-01",
    ],
)
def test_economics_with_a_bad_period_is_400(app, world, query: str) -> None:
    seller = _sign_in(app, "sal@example.com")
    assert seller.get(f"/seller/samples/economics?{query}").status_code == 400
    assert seller.get(f"/seller/samples/economics.csv?{query}").status_code == 400


def test_economics_never_shows_another_stores_samples(app, world) -> None:
    add_rule(world, min_followers=0)
    ask(world)
    other_seller()
    olga = _sign_in(app, "olga@example.com")
    text = olga.get("/seller/samples/economics").get_data(as_text=True)
    assert "No samples sent in this period" in text
    assert "Night serum" not in olga.get("/seller/samples/economics.csv").get_data(as_text=True)


def _economics_queries(app, count_queries) -> int:  # type: ignore[no-untyped-def]
    seller = _sign_in(app, "sal@example.com")
    count_queries.statements.clear()
    assert seller.get("/seller/samples/economics").status_code == 200
    return count_queries.count


def test_economics_page_runs_the_same_number_of_statements_for_1_and_4_creators(
    app, world, count_queries
) -> None:
    add_rule(world, min_followers=0)
    ask(world)
    one = _economics_queries(app, count_queries)
    for index in range(3):
        creator, _ = showcasing(world.product, f"many{index}")
        ask(world, creator)
        video = make_video(creator.id, [world.product], created_at=utcnow())
        make_commission(creator, world.product, content=video)
    assert _economics_queries(app, count_queries) == one


def _queue_queries(app, count_queries) -> int:  # type: ignore[no-untyped-def]
    seller = _sign_in(app, "sal@example.com")
    count_queries.statements.clear()
    assert seller.get("/seller/samples?status=all").status_code == 200
    return count_queries.count


def test_queue_with_rates_runs_the_same_number_of_statements_for_1_and_4_requests(
    app, world, count_queries
) -> None:
    ask(world)
    one = _queue_queries(app, count_queries)
    for index in range(3):
        creator, _ = showcasing(world.product, f"queue{index}")
        ask(world, creator)
    assert _queue_queries(app, count_queries) == one
