"""Loaders for the views: a case or a commission for the side it concerns, else 404."""

from __future__ import annotations

from flask import abort

from affiliate.creators.attribution.models import Commission
from affiliate.disputes.models import Dispute
from core.accounts.authz import get_or_404
from shop.catalog.models import Store
from shop.orders.seller.queries import store_of


def seller_store_or_404(user_id: int) -> Store:
    store = store_of(user_id)
    if store is None:
        abort(404)
    return store


def case_for_seller_or_404(dispute_id: int, user_id: int) -> Dispute:
    """A case about the seller's own store; any other store's reads as missing."""
    dispute = get_or_404(Dispute, dispute_id)
    store = store_of(user_id)
    if store is None or dispute.store_id != store.id:
        abort(404)
    return dispute


def case_for_creator_or_404(dispute_id: int, user_id: int) -> Dispute:
    dispute = get_or_404(Dispute, dispute_id)
    if dispute.creator_id != user_id:
        abort(404)
    return dispute


def commission_for_seller_or_404(commission_id: int, user_id: int) -> Commission:
    commission = get_or_404(Commission, commission_id)
    store = store_of(user_id)
    if store is None or commission.store_id != store.id:
        abort(404)
    return commission


def commission_for_creator_or_404(commission_id: int, user_id: int) -> Commission:
    commission = get_or_404(Commission, commission_id)
    if commission.creator_id != user_id:
        abort(404)
    return commission
