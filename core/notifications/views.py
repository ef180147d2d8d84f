"""Notification pages: the signed-in user's list, opening one, and marking all read."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from core.extensions import db
from core.notifications import services
from core.web.pagination import page_arg

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    page = services.recent(current_user.id, page_arg())
    return render_template("notifications/index.html", page=page)


@bp.post("/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int) -> ResponseReturnValue:
    notification = services.mark_read(current_user.id, notification_id)
    if notification is None:
        abort(404)  # someone else's notice does not exist, as far as this user can tell
    db.session.commit()
    # Links are checked when stored; checked again here, as this is where a bad one would do harm.
    return redirect(services.safe_link(notification.link) or url_for("notifications.index"))


@bp.post("/read-all")
@login_required
def read_all() -> ResponseReturnValue:
    count = services.mark_all_read(current_user.id)
    db.session.commit()
    if count:
        flash(f"Marked {count} notification{'' if count == 1 else 's'} as read.", "success")
    else:
        flash("You had no unread notifications.", "info")
    return redirect(url_for("notifications.index"))
