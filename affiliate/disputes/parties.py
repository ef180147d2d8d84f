"""The sides of a case: where each reads it, and how each is told (``core.notifications``)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from affiliate.disputes.models import Dispute, Party
from core.accounts.models import Role, User, UserRole
from core.extensions import db
from core.notifications.services import notify, notify_many
from shop.catalog.models import Store

NOTICE_KIND = "dispute"


def seller_path(dispute: Dispute) -> str:
    return f"/seller/disputes/{dispute.id}"


def creator_path(dispute: Dispute) -> str:
    return f"/creator/disputes/{dispute.id}"


def finance_path(dispute: Dispute) -> str:
    return f"/finance/disputes/{dispute.id}"


def store_owner_id(dispute: Dispute) -> int:
    store = db.session.get(Store, dispute.store_id)
    assert store is not None
    return store.owner_id


def finance_officer_ids(excluding: Iterable[int] = ()) -> list[int]:
    query = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.FINANCE.value, User.suspended_at.is_(None))
        .order_by(User.id)
    )
    skip = set(excluding)
    return [user_id for user_id in db.session.scalars(query) if user_id not in skip]


def tell_finance(dispute: Dispute, message: str) -> None:
    parties = (dispute.creator_id, store_owner_id(dispute))
    notify_many(finance_officer_ids(parties), message, kind=NOTICE_KIND, link=finance_path(dispute))


def tell_party(dispute: Dispute, party: Party, message: str) -> None:
    if party is Party.SELLER:
        notify(store_owner_id(dispute), message, kind=NOTICE_KIND, link=seller_path(dispute))
    elif party is Party.CREATOR:
        notify(dispute.creator_id, message, kind=NOTICE_KIND, link=creator_path(dispute))


def opener_party(dispute: Dispute) -> Party:
    return Party.SELLER if dispute.dispute_kind.opened_by_seller else Party.CREATOR


def other_party(party: Party) -> Party:
    return Party.CREATOR if party is Party.SELLER else Party.SELLER
