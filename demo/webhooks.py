"""Demo webhooks: one endpoint of the demo seller's, disabled, so nothing is ever sent."""

from __future__ import annotations

from sqlalchemy import select

from api.webhooks import services
from api.webhooks.models import SELLER_EVENTS, WebhookEndpoint
from core.accounts import services as account_services
from core.extensions import db

DEMO_URL = "https://hooks.example.com/yellowcart"


def seed_webhooks() -> str:
    seller = account_services.find_by_email("seller@example.com")
    if seller is None:
        return "webhooks: no demo seller"
    existing = db.session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.owner_id == seller.id, WebhookEndpoint.url == DEMO_URL
        )
    )
    if existing is not None:
        return "webhooks: demo endpoint already there"
    endpoint = services.create_endpoint(
        seller,
        DEMO_URL,
        [event.value for event in SELLER_EVENTS],
        "Demo: point it at your own server, then enable it",
    )
    services.set_enabled(endpoint, False)
    endpoint.disabled_reason = "Demo endpoint: edit its URL, then enable it."
    return "webhooks: demo seller's endpoint added (disabled: it sends nothing)"
