"""A small world for the message tests: a store, a creator with a profile, a targeted plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from affiliate.messages import services
from affiliate.messages.models import Message, Side
from affiliate.plans.models import Plan
from core.accounts.models import Role, User
from core.extensions import db
from shop.catalog.models import Product, Store
from tests.creators.factories import make_profile, targeted_plan
from tests.factories import make_user
from tests.shop.factories import make_product, make_store


@dataclass
class World:
    seller: User
    store: Store
    creator: User
    product: Product
    plan: Plan


def a_creator(handle: str = "cleo") -> User:
    profile = make_profile(handle=handle)
    user = db.session.get(User, profile.user_id)
    assert user is not None
    return user


def make_world(seller_email: str = "glow@example.com", handle: str = "cleo") -> World:
    seller = make_user(Role.SELLER, email=seller_email)
    store = make_store(seller, name="Glow & Co")
    product = make_product(store, title="Glow serum", price=2500)
    plan = targeted_plan(store, 2500, [product], name="Spring launch")
    return World(seller, store, a_creator(handle), product, plan)


def say(
    world: World,
    side: Side,
    body: str = "Hello!",
    *,
    creator: User | None = None,
    now: datetime | None = None,
    **kwargs: object,
) -> Message:
    creator = creator or world.creator
    sender = world.seller if side is Side.SELLER else creator
    message = services.send(
        store=world.store,
        creator_id=creator.id,
        side=side,
        sender=sender,
        body=body,
        now=now,
        **kwargs,  # type: ignore[arg-type]
    )
    db.session.commit()
    return message
