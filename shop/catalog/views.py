"""The buyer's catalogue: home, categories, search, product and store pages."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from shop.blueprints import shop_bp as bp


@bp.get("/")
def home() -> ResponseReturnValue:
    return render_template("shop/home.html")
