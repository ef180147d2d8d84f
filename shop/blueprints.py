"""The shop's two blueprints; the modules in ``shop.routes.ROUTE_MODULES`` add their routes.

``shop``: the buyer's side (home, categories, search, products, stores, cart, checkout, orders).
``seller``: the Seller centre under ``/seller`` (store, products, sync, orders, numbers).
"""

from __future__ import annotations

from flask import Blueprint

shop_bp = Blueprint("shop", __name__)
seller_bp = Blueprint("seller", __name__, url_prefix="/seller")
