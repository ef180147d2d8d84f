"""The shop's routes, module by module, and the two blueprints that carry them.

``shop_bp`` and ``seller_bp`` (``shop.blueprints``) are shared by the sub-packages: each module
named in ``ROUTE_MODULES`` adds its routes to one or both (``@bp.get``, ``@bp.post``). That tuple
is the one list of them, in one place; ``shop.setup.init_app`` registers ``BLUEPRINTS`` with
every route these modules define, and a test checks that no other module adds routes to them.
"""

from __future__ import annotations

from types import ModuleType

from flask import Blueprint

from shop.blueprints import seller_bp, shop_bp
from shop.catalog import seller_views as catalog_seller_views
from shop.catalog import views as catalog_views
from shop.orders import cart_views as order_cart_views
from shop.orders.buyer import views as order_buyer_views
from shop.orders.checkout import views as order_checkout_views
from shop.orders.refunds import views as order_refund_views
from shop.orders.seller import views as order_seller_views
from shop.payments import views as payment_views
from shop.payments import webhooks as payment_webhooks
from shop.promotions import buyer_views as promotion_buyer_views
from shop.promotions import seller_views as promotion_seller_views
from shop.reviews import views as review_views
from shop.seller import views as seller_views
from shop.sync import views as sync_views

#: Every module that adds routes to ``shop_bp`` or ``seller_bp``.
ROUTE_MODULES: tuple[ModuleType, ...] = (
    catalog_views,
    catalog_seller_views,
    order_cart_views,
    order_checkout_views,
    order_buyer_views,
    order_refund_views,
    order_seller_views,
    payment_views,
    payment_webhooks,
    promotion_buyer_views,
    promotion_seller_views,
    review_views,
    seller_views,
    sync_views,
)

#: ``shop``: the buyer's side; ``seller``: the Seller centre under ``/seller``.
BLUEPRINTS: tuple[Blueprint, ...] = (shop_bp, seller_bp)
