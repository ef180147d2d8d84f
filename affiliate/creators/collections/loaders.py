"""A collection for its creator: another creator's (or a missing one) is a 404."""

from __future__ import annotations

from flask import abort

from affiliate.creators.collections.models import Collection
from core.extensions import db

_MAX_KEY = 2**63 - 1


def get_own_collection_or_404(collection_id: int, *, creator_id: int) -> Collection:
    if not 0 < collection_id <= _MAX_KEY:
        abort(404)
    collection = db.session.get(Collection, collection_id)
    if collection is None or collection.creator_id != creator_id:
        abort(404)
    return collection
