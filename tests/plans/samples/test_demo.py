"""`flask demo seed` gives Glow & Co a sample rule, cost prices, and Cleo a delivered sample
with a posting deadline that a rule approved; `flask orders run-clock` past it marks it not
posted."""

from __future__ import annotations

from sqlalchemy import func, select

from affiliate.plans.samples import obligations
from affiliate.plans.samples.models import PostState, SampleRequest, SampleRule
from core.accounts.services import find_by_email
from core.extensions import db
from demo.samples import DELIVERED_PRODUCT
from shop.catalog.models import Product


def _run(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_seeds_a_rule_and_a_delivered_sample_once_then_the_clock_marks_it_not_posted(
    app, app_ctx
):
    _run(app, "demo", "seed")
    cleo = find_by_email("creator@example.com")
    sample = db.session.scalar(
        select(SampleRequest)
        .join(Product, Product.id == SampleRequest.product_id)
        .where(SampleRequest.creator_id == cleo.id, Product.title == DELIVERED_PRODUCT)
    )
    assert sample.approved_by_rule.startswith("Rule “Proven creators”")
    assert sample.post_state == PostState.DUE.value
    assert (sample.unit_cost, sample.shipping_cost) == (2160, 450)
    counts = (
        db.session.scalar(select(func.count(SampleRule.id))),
        db.session.scalar(select(func.count(SampleRequest.id))),
    )
    _run(app, "demo", "seed")
    assert (
        db.session.scalar(select(func.count(SampleRule.id))),
        db.session.scalar(select(func.count(SampleRequest.id))),
    ) == counts

    said = _run(app, "orders", "run-clock", "--days", "13")
    assert "not posted" in said
    db.session.expire_all()
    assert db.session.get(SampleRequest, sample.id).post_state == PostState.NOT_POSTED.value
    rate = obligations.posting_rate(cleo.id)
    assert rate.settled >= 1
    assert rate.bps is not None
    assert rate.bps < 10_000
