"""The Webhooks pages of a seller's or creator's account: routes only."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from api.webhooks import dispatch, services
from api.webhooks.forms import ActionForm, EndpointForm
from api.webhooks.models import WebhookEndpoint
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.exceptions import DomainError
from core.extensions import db
from core.web.pagination import page_arg
from core.web.refusals import refuse

bp = Blueprint("webhooks", __name__, url_prefix="/account/webhooks")

webhook_owner = role_required(Role.SELLER, Role.CREATOR)


def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE", False))


def _endpoint_or_404(endpoint_id: int) -> WebhookEndpoint:
    endpoint = services.owned_endpoint(current_user.id, endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


def _checked_action() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


def _act(endpoint_id: int, action: Callable[[WebhookEndpoint], object], message: str) -> int:
    """Run one button's action on the user's own endpoint (its form checked), commit and say
    so; the endpoint's id, for the redirect."""
    endpoint = _endpoint_or_404(endpoint_id)
    _checked_action()
    action(endpoint)
    db.session.commit()
    flash(message, "success")
    return endpoint_id


def _back(endpoint_id: int) -> ResponseReturnValue:
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint_id), 303)


@bp.get("")
@webhook_owner
def index() -> ResponseReturnValue:
    endpoints = services.endpoints_of(current_user.id)
    return render_template("webhooks/index.html", endpoints=endpoints)


@bp.route("/new", methods=["GET", "POST"])
@webhook_owner
def create() -> ResponseReturnValue:
    form = EndpointForm()
    form.set_choices(services.events_for(current_user))
    if form.validate_on_submit():
        try:
            endpoint = services.create_endpoint(
                current_user,
                form.url.data or "",
                form.events.data or [],
                form.description.data or "",
                allow_private=_allow_private(),
            )
        except DomainError as error:
            return refuse(error, "webhooks/form.html", form=form, endpoint=None)
        db.session.commit()
        flash("Endpoint added. Its signing secret is below; keep it safe.", "success")
        return _back(endpoint.id)
    status = 422 if form.is_submitted() else 200
    return render_template("webhooks/form.html", form=form, endpoint=None), status


@bp.get("/<int:endpoint_id>")
@webhook_owner
def detail(endpoint_id: int) -> ResponseReturnValue:
    endpoint = _endpoint_or_404(endpoint_id)
    log = services.attempt_log(endpoint, page_arg())
    return render_template(
        "webhooks/detail.html", endpoint=endpoint, log=log, action_form=ActionForm()
    )


@bp.route("/<int:endpoint_id>/edit", methods=["GET", "POST"])
@webhook_owner
def edit(endpoint_id: int) -> ResponseReturnValue:
    endpoint = _endpoint_or_404(endpoint_id)
    form = EndpointForm(obj=endpoint)
    form.set_choices(services.events_for(current_user))
    if form.validate_on_submit():
        try:
            services.update_endpoint(
                endpoint,
                current_user,
                form.url.data or "",
                form.events.data or [],
                form.description.data or "",
                allow_private=_allow_private(),
            )
        except DomainError as error:
            return refuse(error, "webhooks/form.html", form=form, endpoint=endpoint)
        db.session.commit()
        flash("Endpoint saved.", "success")
        return _back(endpoint.id)
    status = 422 if form.is_submitted() else 200
    return render_template("webhooks/form.html", form=form, endpoint=endpoint), status


@bp.post("/<int:endpoint_id>/rotate")
@webhook_owner
def rotate(endpoint_id: int) -> ResponseReturnValue:
    message = "New signing secret made; the old one no longer signs deliveries."
    return _back(_act(endpoint_id, services.rotate_secret, message))


@bp.post("/<int:endpoint_id>/enable")
@webhook_owner
def enable(endpoint_id: int) -> ResponseReturnValue:
    return _back(_act(endpoint_id, lambda e: services.set_enabled(e, True), "Endpoint enabled."))


@bp.post("/<int:endpoint_id>/disable")
@webhook_owner
def disable(endpoint_id: int) -> ResponseReturnValue:
    message = "Endpoint disabled: no events are sent to it."
    return _back(_act(endpoint_id, lambda e: services.set_enabled(e, False), message))


@bp.post("/<int:endpoint_id>/delete")
@webhook_owner
def delete(endpoint_id: int) -> ResponseReturnValue:
    _act(endpoint_id, services.delete_endpoint, "Endpoint deleted.")
    return redirect(url_for("webhooks.index"), 303)


@bp.post("/<int:endpoint_id>/test")
@webhook_owner
def send_test(endpoint_id: int) -> ResponseReturnValue:
    endpoint = _endpoint_or_404(endpoint_id)
    _checked_action()
    try:
        dispatch.send_test(endpoint)
    except DomainError as error:
        return refuse(error, back=url_for("webhooks.detail", endpoint_id=endpoint_id))
    db.session.commit()
    flash("Test event sent; its attempt shows in the log.", "success")
    return _back(endpoint_id)


@bp.post("/deliveries/<int:delivery_id>/replay")
@webhook_owner
def replay(delivery_id: int) -> ResponseReturnValue:
    delivery = services.owned_delivery(current_user.id, delivery_id)
    if delivery is None:
        abort(404)
    _checked_action()
    endpoint_id = delivery.endpoint_id
    try:
        dispatch.replay(delivery)
    except DomainError as error:
        return refuse(error, back=url_for("webhooks.detail", endpoint_id=endpoint_id))
    db.session.commit()
    flash("Event sent again (same event id).", "success")
    return _back(endpoint_id)
