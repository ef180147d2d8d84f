"""A store with a plan, a creator who showcases its product, and orders bought through her
video and paid through the shop's money path (``tests.shop.factories.pay``: the signal and
the ledger entry included, so the fraud rules run as in production)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from affiliate.creators.attribution.models import Commission
from affiliate.creators.content.models import Content, ContentKind
from affiliate.fraud.models import FraudFlag
from core.accounts.models import Role, User
from core.extensions import db
from core.types import utcnow
from shop.orders.checkout.models import Address
from shop.orders.models import Order
from tests.creators.factories import showcase, store_plan
from tests.factories import make_user
from tests.shop.factories import Shop, pay


@dataclass
class World:
    shop: Shop
    creator: User
    video: Content

    def buy(
        self,
        buyer: User | None = None,
        *,
        quantities: tuple[int, ...] = (1,),
        ship_to: str | None = None,
        card: str | None = None,
        touched_ago: timedelta = timedelta(hours=1),
    ) -> Order:
        """A paid order bought through her video ``touched_ago`` after the tap."""
        order = self.shop.place(quantities, buyer=buyer or self.shop.buyer)
        for line in order.lines:
            line.creator_id = self.creator.id
            line.content_type = self.video.kind
            line.content_id = self.video.id
            line.attributed_at = order.placed_at - touched_ago
        if ship_to is not None:
            order.ship_to = ship_to
        db.session.commit()
        return pay(order, card_fingerprint=card)


@pytest.fixture(autouse=True)
def tap_to_order_on(app, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tap-to-order rule at its default (the testing config turns it off elsewhere)."""
    monkeypatch.setitem(app.config, "FRAUD_TAP_TO_ORDER_SECONDS", 5)


@pytest.fixture
def world(app_ctx: object) -> World:
    shop = Shop(price=1000, stock=100)
    creator = make_user(Role.CREATOR, display_name="Cleo Creator")
    store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    video = Content(
        creator_id=creator.id,
        kind=ContentKind.VIDEO.value,
        title="Unboxing",
        external_url="https://videos.example.com/1",
    )
    db.session.add(video)
    db.session.commit()
    return World(shop, creator, video)


def add_address(user: User, line1: str, postcode: str, city: str = "Springfield") -> Address:
    address = Address(
        user_id=user.id,
        full_name=user.display_name,
        line1=line1,
        city=city,
        postal_code=postcode,
        country="US",
    )
    db.session.add(address)
    db.session.commit()
    return address


def commissions_of(order: Order) -> list[Commission]:
    db.session.expire_all()
    query = select(Commission).where(Commission.order_id == order.id).order_by(Commission.id)
    return list(db.session.scalars(query))


def flags_of(order: Order) -> list[FraudFlag]:
    db.session.expire_all()
    query = (
        select(FraudFlag)
        .join(Commission, Commission.id == FraudFlag.commission_id)
        .where(Commission.order_id == order.id)
        .order_by(FraudFlag.id)
    )
    return list(db.session.scalars(query))


def rules_of(order: Order) -> set[str]:
    return {flag.rule for flag in flags_of(order)}


def held(order: Order) -> bool:
    return all(commission.held for commission in commissions_of(order))


def hours_ago(hours: float):
    return utcnow() - timedelta(hours=hours)
