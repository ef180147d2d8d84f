"""The Partner API on the demo: no key is seeded (a key is shown once, to its owner), so the
seed ends by saying how to make one for the demo seller."""

from __future__ import annotations

from sqlalchemy import func, select

from api.keys.models import ApiKey
from core.accounts import services as account_services
from core.extensions import db

DEMO_SELLER = "seller@example.com"


def seed_api_hint() -> str:
    seller = account_services.find_by_email(DEMO_SELLER)
    keys = 0
    if seller is not None:
        query = select(func.count(ApiKey.id)).where(
            ApiKey.user_id == seller.id, ApiKey.revoked_at.is_(None)
        )
        keys = db.session.scalar(query) or 0
    return (
        f"partner API: {keys} live key(s) for {DEMO_SELLER}; make one with "
        f"`flask api-keys create --email {DEMO_SELLER} --scopes all` (reference: /api/v1/docs)"
    )
