"""`flask demo seed` fills the shop: stores, 30+ products with variants and images, orders."""

from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from core.ledger.checks import check_ledger
from shop.catalog.models import Product, ProductImage, Store, Variant
from shop.orders.models import Order, OrderStatus


def _seed(app) -> str:
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_seed_creates_stores_with_thirty_products_variants_and_images(app, app_ctx):
    _seed(app)
    assert db.session.scalar(select(func.count(Store.id))) >= 3
    assert db.session.scalar(select(func.count(Product.id))) >= 30
    assert db.session.scalar(select(func.count(Variant.id))) > 30
    without_image = select(func.count(Product.id)).where(Product.cover_thumb_path.is_(None))
    assert db.session.scalar(without_image) == 0
    assert db.session.scalar(select(func.count(ProductImage.id))) >= 30


def test_demo_seed_places_orders_in_every_state_with_a_balanced_ledger(app, app_ctx):
    _seed(app)
    states = set(db.session.scalars(select(Order.status).distinct()))
    assert states == {s.value for s in OrderStatus}
    assert check_ledger().ok


def test_demo_seed_twice_adds_no_products_or_orders(app, app_ctx):
    _seed(app)
    counts = (
        db.session.scalar(select(func.count(Product.id))),
        db.session.scalar(select(func.count(Order.id))),
    )
    db.session.rollback()
    _seed(app)
    assert (
        db.session.scalar(select(func.count(Product.id))),
        db.session.scalar(select(func.count(Order.id))),
    ) == counts
