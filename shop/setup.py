"""Connect the shop to an app: its blueprints, command, sign-in receiver and order jobs."""

from __future__ import annotations

from flask import Flask
from flask_login import user_logged_in

from core.accounts import identity_cache
from core.jobs import register_periodic
from core.web import pageclock
from core.web.templating import add_header_count
from shop import models
from shop.orders import cart as carts
from shop.orders import jobs as order_jobs
from shop.orders.cart_views import merge_guest_cart
from shop.orders.cli import orders_cli
from shop.promotions.live_deal_models import LiveDeal
from shop.promotions.models import FlashDeal, ProductDiscount, Voucher
from shop.routes import BLUEPRINTS

#: The module that gathers the tables of every shop sub-package: imported here, so that every
#: table is mapped before Alembic compares.
MODEL_MODULES = (models,)


def init_app(app: Flask) -> None:
    """Connect the buyer's shop and the Seller centre, ``flask orders``, the guest cart's merge
    at sign-in and the order jobs on the clock."""
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.cli.add_command(orders_cli)
    user_logged_in.connect(merge_guest_cart)  # one receiver per process, however many apps
    add_header_count(app, "cart", carts.item_count_of_user)  # the header's cart badge
    identity_cache.register_user_table("cart", "user_id")
    identity_cache.register_user_table("cart_line", carts.owner_of_line)
    # Cached pages end when a promotion starts or ends (core.web.pagecache).
    for window in (ProductDiscount, Voucher, FlashDeal, LiveDeal):
        pageclock.register_time_boundaries(window.starts_at, window.ends_at)
    register_periodic(
        app,
        order_jobs.RELEASE_UNPAID_ORDERS,
        order_jobs.AUTO_DELIVER_ORDERS,
        order_jobs.COMPLETE_ORDERS,
    )
