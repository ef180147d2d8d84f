"""Admin pages: users (search, roles, suspension) and the audit log."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.accounts import services
from core.accounts.authz import get_or_404, role_required
from core.accounts.exceptions import AccountError
from core.accounts.forms import EmptyForm, GrantRoleForm, ReinstateForm, SuspendForm
from core.accounts.models import Role, User
from core.accounts.stepup import second_factor_gate
from core.audit import services as audit
from core.extensions import db
from core.web.pagination import Page, page_arg
from core.web.refusals import refuse

bp = Blueprint("admin", __name__, url_prefix="/admin")
# Admins show a second factor before any admin page (set one up first if they have none).
bp.before_request(second_factor_gate(Role.ADMIN))


def _role_arg() -> Role | None:
    try:
        return Role(request.args.get("role", ""))
    except ValueError:
        return None


@bp.get("/")
@role_required(Role.ADMIN)
def users() -> ResponseReturnValue:
    query = request.args.get("q", "").strip()[:100]
    role = _role_arg()
    page, per_page = page_arg(), current_app.config["ADMIN_PAGE_SIZE"]
    result = services.search_users(query, role=role, page=page, per_page=per_page)
    return render_template(
        "admin/users.html",
        page=Page(result.users, page, per_page, result.total),
        query=query,
        role=role,
    )


def _user_page(user: User, status: int = 200, **forms: object) -> ResponseReturnValue:
    events, _ = audit.list_events(
        audit.AuditFilter(subject_type="user", subject_id=str(user.id)), page=1, per_page=20
    )
    context = {
        "grant_form": GrantRoleForm(),
        "revoke_form": EmptyForm(),
        "suspend_form": SuspendForm(),
        "reinstate_form": ReinstateForm(),
        **forms,
    }
    return render_template("admin/user.html", user=user, events=events, **context), status


@bp.get("/users/<int:user_id>")
@role_required(Role.ADMIN)
def user_detail(user_id: int) -> ResponseReturnValue:
    return _user_page(get_or_404(User, user_id))


def _done(user: User, changed: bool, message: str, unchanged: str) -> ResponseReturnValue:
    db.session.commit()
    flash(message if changed else unchanged, "success" if changed else "info")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/roles")
@role_required(Role.ADMIN)
def grant_role(user_id: int) -> ResponseReturnValue:
    user = get_or_404(User, user_id)
    form = GrantRoleForm()
    if not form.validate_on_submit():
        return _user_page(user, 400, grant_form=form)
    role = Role(form.role.data)
    changed = services.grant_role(user, role, by=current_user)
    return _done(
        user,
        changed,
        f"Granted {role.label} to {user.email}.",
        f"{user.email} already has the {role.label} role.",
    )


@bp.post("/users/<int:user_id>/roles/<role_name>/revoke")
@role_required(Role.ADMIN)
def revoke_role(user_id: int, role_name: str) -> ResponseReturnValue:
    user = get_or_404(User, user_id)
    try:
        role = Role(role_name)
    except ValueError:
        return _user_page(user, 404)
    if not EmptyForm().validate_on_submit():
        flash("The form expired; try again.", "danger")
        return _user_page(user, 400)
    try:
        changed = services.revoke_role(user, role, by=current_user)
    except AccountError as error:
        return refuse(error, page=lambda status: _user_page(user, status))
    return _done(
        user,
        changed,
        f"Removed {role.label} from {user.email}.",
        f"{user.email} did not have the {role.label} role.",
    )


@bp.post("/users/<int:user_id>/suspend")
@role_required(Role.ADMIN)
def suspend(user_id: int) -> ResponseReturnValue:
    user = get_or_404(User, user_id)
    form = SuspendForm()
    if not form.validate_on_submit():
        return _user_page(user, 400, suspend_form=form)
    try:
        changed = services.suspend_user(user, by=current_user, reason=form.reason.data.strip())
    except AccountError as error:
        return refuse(error, page=lambda status: _user_page(user, status))
    return _done(
        user,
        changed,
        f"Suspended {user.email}; their sessions have ended.",
        f"{user.email} was already suspended.",
    )


@bp.post("/users/<int:user_id>/reinstate")
@role_required(Role.ADMIN)
def reinstate(user_id: int) -> ResponseReturnValue:
    user = get_or_404(User, user_id)
    form = ReinstateForm()
    if not form.validate_on_submit():
        return _user_page(user, 400, reinstate_form=form)
    changed = services.reinstate_user(user, by=current_user, reason=form.reason.data or None)
    return _done(user, changed, f"Reinstated {user.email}.", f"{user.email} was not suspended.")


@bp.get("/audit")
@role_required(Role.ADMIN, Role.FINANCE)
def audit_log() -> ResponseReturnValue:
    filters = audit.AuditFilter(
        subject_type=request.args.get("subject_type", "").strip()[:40] or None,
        subject_id=request.args.get("subject_id", "").strip()[:64] or None,
        action=request.args.get("action", "").strip()[:60] or None,
    )
    page, per_page = page_arg(), 50
    events, total = audit.list_events(filters, page=page, per_page=per_page)
    return render_template(
        "admin/audit.html",
        page=Page(events, page, per_page, total),
        filters=filters,
        actions=audit.known_actions(),
        subject_types=audit.known_subject_types(),
    )
