"""Fixtures of the collection tests: Cleo (a creator with a profile and a showcase of two
products under a 10% store plan), another creator, and a buyer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask

from core.accounts.models import Role
from core.extensions import db
from tests.creators.factories import make_profile, showcase, store_plan
from tests.factories import make_user
from tests.shop.factories import make_product, make_store


@dataclass(frozen=True)
class World:
    creator_id: int
    creator_email: str
    handle: str
    other_creator_id: int
    other_email: str
    buyer_id: int
    buyer_email: str
    serum: int  # product ids
    serum_variant: int
    balm: int
    not_showcased: int


@pytest.fixture
def world(app_ctx: Flask) -> World:
    cleo = make_user(Role.CREATOR, email="cleo@example.com", display_name="Cleo Creator")
    make_profile(user_id=cleo.id, handle="cleo", display_name="Cleo")
    other = make_user(Role.CREATOR, email="olga@example.com")
    make_profile(user_id=other.id, handle="olga", display_name="Olga")
    buyer = make_user(email="viewer@example.com")
    store = make_store(make_user(Role.SELLER), name="Glow")
    serum = make_product(store, title="Glow serum", price=2000, stock=10)
    balm = make_product(store, title="Lip balm", price=800, stock=10)
    lonely = make_product(store, title="Not showcased", price=900)
    store_plan(store, 1000)
    showcase(cleo.id, serum)
    showcase(cleo.id, balm)
    showcase(other.id, serum)
    db.session.commit()
    return World(
        creator_id=cleo.id,
        creator_email=cleo.email,
        handle="cleo",
        other_creator_id=other.id,
        other_email=other.email,
        buyer_id=buyer.id,
        buyer_email=buyer.email,
        serum=serum.id,
        serum_variant=serum.variants[0].id,
        balm=balm.id,
        not_showcased=lonely.id,
    )
