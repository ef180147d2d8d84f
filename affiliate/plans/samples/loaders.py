"""Loaders for the sample views: a request by id, for its creator or its store.

Anybody else's request reads as missing (404), like one that does not exist, so request ids
do not leak.
"""

from __future__ import annotations

from flask import abort

from affiliate.plans.samples.models import SampleRequest
from core.accounts.authz import get_or_404
from shop.catalog.models import Store


def get_sample_or_404(
    request_id: int, *, creator_id: int | None = None, store: Store | None = None
) -> SampleRequest:
    """The request if it is the creator's own (``creator_id``) or for ``store``; else 404."""
    sample = get_or_404(SampleRequest, request_id)
    mine = (creator_id is not None and sample.creator_id == creator_id) or (
        store is not None and sample.store_id == store.id
    )
    if not mine:
        abort(404)
    return sample
