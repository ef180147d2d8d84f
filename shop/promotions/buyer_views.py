"""The buyer's side of promotions (routes on ``shop_bp``): collect a public voucher, and the
wallet of collected vouchers (``vouchers``). What the catalogue shows of offers is ``offers``."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from core.accounts.views import is_safe_next
from core.extensions import db
from core.web.refusals import refuse
from shop.blueprints import shop_bp as bp
from shop.promotions import vouchers
from shop.promotions.exceptions import CollectError, VoucherNotFound


def _back() -> str:
    """Where the Collect form came from (a product or store page), else the shop's home."""
    target = request.form.get("next", "")
    return target if is_safe_next(target) else url_for("shop.home")


@bp.post("/vouchers/<int:voucher_id>/collect")
def collect_voucher(voucher_id: int) -> ResponseReturnValue:
    """Collect a voucher into the wallet (CSRF is checked app-wide before this runs)."""
    back = _back()
    if not current_user.is_authenticated:
        flash("Sign in to collect vouchers.", "info")
        return redirect(url_for("accounts.login", next=back))
    try:
        vouchers.collect(current_user.id, voucher_id)
    except VoucherNotFound:
        abort(404)
    except CollectError as error:
        # Back to the page the button was on, as before (a 302): the flash says why.
        return refuse(error, category="warning", page=lambda _status: redirect(back))
    db.session.commit()
    flash("Voucher collected. Use it at checkout; find it under My vouchers.", "success")
    return redirect(back)


@bp.get("/account/vouchers")
@login_required
def voucher_wallet() -> ResponseReturnValue:
    wallet = vouchers.wallet(current_user.id, locale=current_app.config["MONEY_LOCALE"])
    return render_template(
        "promotions/buyer_wallet.html",
        usable=[v for v in wallet if v.usable],
        others=[v for v in wallet if not v.usable],
    )
