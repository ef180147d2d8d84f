"""The delivery job: thin, loads the delivery by id and makes its next attempt."""

from __future__ import annotations

from dataclasses import replace

from flask import current_app

from api.webhooks import dispatch
from api.webhooks.delivery import Transport
from core.jobs import job

EXTENSION = "webhooks"


def transport() -> Transport:
    """The app's transport, with ``WEBHOOKS_ALLOW_PRIVATE`` as the app says now."""
    base: Transport = current_app.extensions.get(EXTENSION) or Transport()
    allow = bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE", False))
    return base if base.allow_private == allow else replace(base, allow_private=allow)


@job
def deliver(delivery_id: int) -> str:
    """Attempt one delivery (idempotent: a delivery no longer pending is left alone)."""
    return dispatch.attempt(delivery_id, transport())
