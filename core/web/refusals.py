"""The one way a view answers a refusal: roll back what the service began, say why, and answer
with the refusal's status, never a half-written change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request
from flask.typing import ResponseReturnValue

from core.exceptions import DomainError
from core.extensions import db


def refuse(
    error: DomainError,
    template: str | None = None,
    *,
    category: str = "danger",
    form: Any = None,
    page: Callable[[int], ResponseReturnValue] | None = None,
    back: str | None = None,
    **context: Any,
) -> ResponseReturnValue:
    """Roll back, flash ``error`` and answer with its status.

    Re-render ``template`` with ``context`` (the field error is put on ``form`` when the error
    names one), or call ``page(status)`` to build the page, or, for a button on a list, send the
    user ``back`` (a local URL) with the flash.
    """
    db.session.rollback()
    status = error.status_code
    if form is not None and error.field and error.field in getattr(form, "_fields", {}):
        form[error.field].errors = [*form[error.field].errors, str(error)]
    else:
        flash(str(error), category)
    if page is not None:
        return page(status)
    if template is not None:
        return render_template(template, form=form, **context), status
    target = back or request.referrer or "/"
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    return redirect(target, 303)
