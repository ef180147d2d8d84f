"""Fixtures of the dispute tests: a store with a store plan, a creator showcasing its product,
a paid order she brought (two lines, two pending commissions) and a finance officer."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import func, select

from affiliate.creators.attribution.models import Commission
from core.accounts.models import Role, User
from core.extensions import db
from core.ledger.models import LedgerEntry
from shop.orders.models import Order
from tests.creators.attribution.test_commissions import (
    attributed_order,
    commissions_of,
    creator,  # noqa: F401 - fixture
    shop,  # noqa: F401 - fixture
    video_of,
)
from tests.creators.factories import showcase, store_plan
from tests.factories import make_user
from tests.shop.factories import Shop, pay

RATE = 1000


@pytest.fixture
def planned(shop: Shop, creator: User) -> Shop:  # noqa: F811 - fixtures by name
    store_plan(shop.store, RATE)
    showcase(creator.id, shop.product)
    return shop


@pytest.fixture
def earned(planned: Shop, creator: User) -> tuple[Order, list[Commission]]:  # noqa: F811
    order = pay(attributed_order(planned, creator))
    return order, commissions_of(order)


@pytest.fixture
def officer(app_ctx: object) -> User:
    user = make_user(Role.FINANCE)
    db.session.commit()
    return user


def entries(kind: str) -> Sequence[LedgerEntry]:
    return db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == kind)).all()


def count_entries(kind: str) -> int:
    return (
        db.session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == kind)) or 0
    )


__all__ = ["video_of"]
