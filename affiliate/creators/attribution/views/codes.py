"""Creator codes: sellers give them from a creator's page; creators list theirs."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.creators.attribution import codes
from affiliate.creators.attribution.forms import GiveCodeForm
from affiliate.profiles import services as profiles
from affiliate.profiles.exceptions import NotACreator
from core.accounts.authz import role_required
from core.accounts.models import Role, User
from core.extensions import db
from core.web.refusals import refuse
from shop.catalog.stores import get_store_for_owner
from shop.promotions.exceptions import PromotionError

bp = Blueprint("codes", __name__)


@bp.post("/creators/<handle>/codes")
@role_required(Role.SELLER)
def give(handle: str) -> ResponseReturnValue:
    profile = profiles.profile_by_handle(handle)
    store = get_store_for_owner(current_user.id)
    if profile is None or store is None:
        abort(404)
    form = GiveCodeForm()
    back = url_for("profiles.profile", handle=profile.handle)
    if not form.validate_on_submit():
        errors = [error for field in form for error in field.errors]
        flash(errors[0] if errors else "Check the code's details.", "danger")
        return redirect(back, 303)
    creator = db.session.get(User, profile.user_id)
    try:
        voucher = codes.give_code(
            store,
            creator,
            code=form.code.data or "",
            percent=form.percent.data or "",
            days=form.days.data or 0,
            total_uses=form.total_uses.data,
        )
    except (NotACreator, PromotionError) as error:
        return refuse(error, back=back)
    db.session.commit()
    flash(f"@{profile.handle} now has the code {voucher.code}.", "success")
    return redirect(back, 303)


@bp.get("/creator/codes")
@role_required(Role.CREATOR)
def mine() -> ResponseReturnValue:
    return render_template("creators/codes.html", rows=codes.codes_of(current_user.id))
