"""The buyer's shop: the home page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

bp = Blueprint("shop", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    return render_template("shop/home.html")
