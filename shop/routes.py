"""Import every module that adds routes to the shop's blueprints, then hand them over."""

from __future__ import annotations

from flask import Blueprint

from shop.blueprints import seller_bp, shop_bp


def blueprints() -> tuple[Blueprint, ...]:
    import shop.catalog.seller_views
    import shop.catalog.views
    import shop.orders.buyer_actions
    import shop.orders.finance_views
    import shop.orders.seller_views
    import shop.orders.views
    import shop.promotions.buyer_views
    import shop.promotions.seller_views
    import shop.seller.views
    import shop.sync.views  # noqa: F401

    return shop_bp, seller_bp
