"""`flask demo seed` gives the demo stores promotions of each kind, running and scheduled, and
orders that used them; running it again adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from core.accounts.models import User
from core.extensions import db
from core.ledger.checks import check_ledger
from shop.catalog.models import Store
from shop.orders.models import Order
from shop.promotions import stats
from shop.promotions.models import (
    FlashDeal,
    ProductDiscount,
    PromotionKind,
    PromotionState,
    Voucher,
)


def _seed(app) -> str:
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_demo_has_promotions_of_each_kind_and_orders_that_used_them(app, app_ctx):
    output = _seed(app)

    assert "demo promotions ready (10 promotions and 4 orders" in output
    glow, trailhead = (
        db.session.scalars(select(Store).where(Store.handle == handle)).one()
        for handle in ("glow-and-co", "trailhead")
    )
    view = stats.overview(glow.id)
    theirs = stats.overview(trailhead.id)
    for state in (PromotionState.RUNNING, PromotionState.SCHEDULED):
        kinds = {row.kind for row in view.rows[state] + theirs.rows[state]}
        assert kinds == set(PromotionKind), state
    assert view.count(PromotionState.ENDED) == 1
    glow10 = db.session.scalars(select(Voucher).where(Voucher.code == "GLOW10")).one()
    assert (glow10.public, glow10.min_spend, glow10.percent_bps) == (True, 5000, 1000)
    assert (
        db.session.scalars(select(Voucher.public).where(Voucher.code == "GLOWVIP")).one() is False
    )
    used = {row.promotion.name: row.stats for row in view.rows[PromotionState.RUNNING]}
    assert used["10% off orders of $50"].orders == 1
    assert used["10% off orders of $50"].discount_spent > 0
    assert used["Skincare week"].orders >= 2
    assert used["Rose lipstick flash deal"].uses >= 2
    assert check_ledger().ok


def test_seeding_promotions_twice_adds_nothing(app, app_ctx):
    _seed(app)
    counts = [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (ProductDiscount, Voucher, FlashDeal)
    ]
    hunter = select(func.count(Order.id)).join(User, User.id == Order.buyer_id)
    hunter = hunter.where(User.email == "deals@example.com")
    orders = db.session.scalar(hunter)
    db.session.rollback()

    assert "(0 promotions and 0 orders" in _seed(app)

    assert [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (ProductDiscount, Voucher, FlashDeal)
    ] == counts
    assert db.session.scalar(hunter) == orders == 4
