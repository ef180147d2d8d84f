"""Test data for flat fees: a store with a balance, a targeted plan, an offer, a creator."""

from __future__ import annotations

from dataclasses import dataclass

from affiliate.creators.content.models import Content
from affiliate.creators.flatfees import services
from affiliate.plans.models import MembershipStatus, Plan, PlanMembership
from core.accounts.models import Role, User
from core.extensions import db
from core.ledger.models import AccountKind
from core.ledger.services import Cause, account_for, credit, debit, owner_balances, post_entry
from shop.catalog.models import Product, Store
from tests.creators.factories import make_video, member, targeted_plan
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

_funding = iter(range(1, 10**9))


def fund(seller_id: int, amount: int, currency: str = "USD") -> None:
    """Give the seller ``amount`` of balance, as a paid order would."""
    post_entry(
        "order_paid",
        Cause("test_funding", next(_funding)),
        [
            debit(account_for(AccountKind.PLATFORM_CASH, currency=currency), amount),
            credit(
                account_for(AccountKind.SELLER_RECEIVABLE, currency=currency, owner_id=seller_id),
                amount,
            ),
        ],
    )
    db.session.commit()


def balances(owner_id: int, currency: str = "USD") -> dict[str, int]:
    found = owner_balances(owner_id, currency)
    return {kind.value: found.get(kind, 0) for kind in AccountKind if not kind.is_platform}


@dataclass
class World:
    seller: User
    store: Store
    product: Product
    plan: Plan
    creator: User


def world(balance: int = 100_000) -> World:
    seller = make_user(Role.SELLER)
    store = make_store(seller)
    product = make_product(store)
    plan = targeted_plan(store, 2000, [product])
    creator = make_user(Role.CREATOR)
    if balance:
        fund(seller.id, balance, store.currency)
    return World(seller, store, product, plan, creator)


def offer(w: World, amount: int = 5_000, pieces: int = 3, days: int = 3):
    made = services.set_offer(w.plan, services.OfferInput(amount, pieces, days))
    db.session.commit()
    return made


def invite(w: World, creator: User | None = None) -> PlanMembership:
    return member(w.plan, (creator or w.creator).id, MembershipStatus.INVITED)


def video(w: World, creator: User | None = None, title: str = "Unboxing") -> Content:
    return make_video((creator or w.creator).id, [w.product], title=title)
