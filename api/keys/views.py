"""The account's API keys page: create (the key is shown once), rename, re-scope, revoke."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from api.keys import services
from api.keys.exceptions import ApiKeyError, KeyNotFound
from api.keys.forms import KeyForm, RevokeForm
from api.keys.scopes import ACCESS, AREA_LABELS, AREAS, allowed_scopes
from core.accounts.stepup import step_up_required
from core.extensions import db
from core.web.refusals import refuse

bp = Blueprint("api_keys", __name__, url_prefix="/account/api-keys")


def _page(form: KeyForm, status: int = 200, *, secret: str | None = None) -> ResponseReturnValue:
    allowed = allowed_scopes(current_user.role_set)
    areas = [a for a in AREAS if f"{a}:read" in allowed]
    return render_template(
        "api/keys.html",
        form=form,
        keys=services.keys_of(current_user.id),
        areas=areas,
        area_labels=AREA_LABELS,
        access=ACCESS,
        secret=secret,
        revoke_form=RevokeForm(),
    ), status


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    return _page(KeyForm())


@bp.post("")
@step_up_required  # a key acts for its owner: making one needs a fresh confirmation
def create() -> ResponseReturnValue:
    form = KeyForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        new = services.create_key(current_user, form.name.data or "", form.scopes.data or [])
    except ApiKeyError as error:
        return refuse(error, form=form, page=lambda status: _page(form, status))
    db.session.commit()
    flash(f"Key “{new.key.name}” created. Copy it now: it is not shown again.", "success")
    return _page(KeyForm(formdata=None), 201, secret=new.secret)


@bp.post("/<int:key_id>")
@login_required
def update(key_id: int) -> ResponseReturnValue:
    form = KeyForm()
    try:
        key = services.get_key_of(current_user.id, key_id)
        if not form.validate_on_submit():
            flash("Give the key a name of at most 80 characters.", "danger")
            return _page(KeyForm(formdata=None), 400)
        services.update_key(current_user, key, form.name.data or "", form.scopes.data or [])
    except KeyNotFound:
        return _page(KeyForm(formdata=None), 404)
    except ApiKeyError as error:
        return refuse(error, page=lambda status: _page(KeyForm(formdata=None), status))
    db.session.commit()
    flash(f"Key “{key.name}” saved.", "success")
    return redirect(url_for("api_keys.index"), 303)


@bp.post("/<int:key_id>/revoke")
@login_required
def revoke(key_id: int) -> ResponseReturnValue:
    if not RevokeForm().validate_on_submit():
        flash("The form expired; try again.", "danger")
        return _page(KeyForm(formdata=None), 400)
    try:
        key = services.get_key_of(current_user.id, key_id)
    except KeyNotFound:
        return _page(KeyForm(formdata=None), 404)
    services.revoke_key(current_user, key)
    db.session.commit()
    flash(f"Key “{key.name}” revoked: it no longer works.", "success")
    return redirect(url_for("api_keys.index"), 303)
