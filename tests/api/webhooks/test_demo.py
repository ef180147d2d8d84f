"""The demo seller's endpoint: seeded once, disabled, so the demo never calls out."""

from __future__ import annotations

from sqlalchemy import select

from api.webhooks.models import WebhookEndpoint
from core.extensions import db
from demo import seed_accounts
from demo.webhooks import seed_webhooks


def test_demo_endpoint_is_seeded_once_and_disabled(app_ctx):
    seed_accounts()
    db.session.commit()
    seed_webhooks()
    db.session.commit()
    seed_webhooks()
    db.session.commit()
    [endpoint] = db.session.scalars(select(WebhookEndpoint)).all()
    assert endpoint.url.startswith("https://")
    assert not endpoint.enabled
