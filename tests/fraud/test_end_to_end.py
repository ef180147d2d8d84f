"""The issue's check, through the real pages: a creator buying through her own video with her
own address is held by the fraud rules and appears in the finance fraud queue. And a sock
puppet paying with her test card is held by its fingerprint."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from affiliate.creators.attribution.models import Commission
from affiliate.creators.content.models import Content, ContentKind, ContentProduct
from affiliate.fraud.models import FraudFlag
from core.accounts.models import Role
from core.extensions import db
from shop.payments.models import Payment
from tests.conftest import Auth
from tests.creators.factories import showcase, store_plan
from tests.factories import PASSWORD, make_user
from tests.shop.factories import make_product, make_store
from tests.shop.orders.helpers import GOOD_CARD, add, pay, payment_id_of, place
from tests.two_factor import step_up

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"}
HER_ADDRESS = {
    "address": "new",
    "full_name": "Cleo Creator",
    "line1": "12 Elm Street",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "us",
}


@pytest.fixture(autouse=True)
def tap_to_order_on(app, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test client taps and pays within a second, faster than any person: the
    tap-to-order rule (tested on its own) would hold every order here, so it is off."""
    monkeypatch.setitem(app.config, "FRAUD_TAP_TO_ORDER_SECONDS", 0)


def _world():
    store = make_store(make_user(Role.SELLER), name="Glow Lab")
    product = make_product(store, title="Glow serum", price=2000, stock=10)
    store_plan(store, 1000)
    creator = make_user(Role.CREATOR, email="cleo@example.com", display_name="Cleo Creator")
    showcase(creator.id, product)
    video = Content(
        creator_id=creator.id,
        kind=ContentKind.VIDEO.value,
        title="My routine",
        external_url="https://videos.example.com/routine",
        status="published",
    )
    video.products = [ContentProduct(product_id=product.id, position=0)]
    db.session.add(video)
    db.session.commit()
    return creator, video, product


def _buy_through(client, video, product, card=None, address=None) -> int:
    client.get(f"/c/{video.id}/p/{product.id}", headers=BROWSER)  # the tap on her card
    add(client, product.variants[0].id)
    payment_id = payment_id_of(place(client, **(address or {})))
    pay(client, payment_id, card)
    return payment_id


def test_a_creator_buying_through_her_own_video_with_her_address_lands_in_the_queue(
    app_ctx, client
):
    creator, video, product = _world()
    auth = Auth(client)
    db.session.commit()
    auth.login(creator.email, PASSWORD)

    _buy_through(client, video, product, address=HER_ADDRESS)

    db.session.expire_all()
    commission = db.session.scalars(select(Commission)).one()
    assert (commission.creator_id, commission.state, commission.held) == (
        creator.id,
        "pending",
        True,
    )
    flag = db.session.scalars(select(FraudFlag)).one()
    assert (flag.rule, flag.evidence["match"]) == ("self_purchase", "account")
    # her own line says it is on hold
    assert "On hold" in client.get("/creator/").get_data(as_text=True)

    auth.logout()
    officer = make_user(Role.FINANCE)
    db.session.commit()
    auth.login(officer.email)
    step_up(client, officer.email)
    page = client.get("/finance/fraud/").get_data(as_text=True)
    assert "Self-purchase" in page
    assert "Cleo Creator" in page
    assert "Glow Lab" in page
    assert "$2.00" in page
    assert f'data-hold-id="{flag.hold_id}"' in page


def test_a_sock_puppet_paying_with_her_test_card_is_held_by_its_fingerprint(app_ctx, client):
    creator, video, product = _world()
    other = make_product(make_store(), title="Lip balm", price=500)
    auth = Auth(client)
    db.session.commit()
    auth.login(creator.email, PASSWORD)  # she buys something for herself with her card
    add(client, other.variants[0].id)
    pay(client, payment_id_of(place(client, **HER_ADDRESS)), GOOD_CARD)
    auth.logout()

    puppet = make_user(Role.BUYER, email="sock@example.com")
    db.session.commit()
    auth.login(puppet.email, PASSWORD)
    payment_id = _buy_through(
        client, video, product, card=GOOD_CARD, address={**HER_ADDRESS, "line1": "9 Oak Rd"}
    )

    db.session.expire_all()
    fingerprint = db.session.get(Payment, payment_id).card_fingerprint
    assert fingerprint is not None
    assert fingerprint.startswith("testfp_")
    flag = db.session.scalars(select(FraudFlag)).one()
    assert (flag.rule, flag.evidence["match"]) == ("self_purchase", "card")


def test_another_buyer_with_another_card_is_not_held(app_ctx, client):
    creator, video, product = _world()
    auth = Auth(client)
    db.session.commit()
    auth.login(creator.email, PASSWORD)
    other = make_product(make_store(), title="Lip balm", price=500)
    add(client, other.variants[0].id)
    pay(client, payment_id_of(place(client, **HER_ADDRESS)), GOOD_CARD)
    auth.logout()

    fan = make_user(Role.BUYER, email="fan@example.com")
    db.session.commit()
    auth.login(fan.email, PASSWORD)
    _buy_through(client, video, product, card={**GOOD_CARD, "expiry": "11/38"})

    db.session.expire_all()
    assert db.session.scalars(select(Commission)).one().held is False
    assert db.session.scalars(select(FraudFlag)).all() == []
