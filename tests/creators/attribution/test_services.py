"""The yellow cart's services: a tap remembers the touch and counts a click; an add from a card
puts an attributed line in the cart, and the cart service announces it once, which counts as an
``add_to_cart`` event. And the commission's state table refuses what it does not allow."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask_login import login_user
from sqlalchemy import select

from affiliate.creators.attribution import services, touches
from affiliate.creators.attribution.models import COMMISSION, CommissionState, ContentEvent
from core.accounts.models import Role
from core.extensions import db
from core.states import IllegalTransition
from shop import signals
from shop.orders.cart import Attribution, add_to_cart, get_or_create_cart
from tests.creators.factories import make_commission, make_video, store_plan
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"
BOT = "Googlebot/2.1 (+http://www.google.com/bot.html)"


@pytest.fixture
def world(app_ctx: Flask):
    creator = make_user(Role.CREATOR)
    buyer = make_user(Role.BUYER)
    store = make_store(make_user(Role.SELLER))
    product = make_product(store, title="Glow serum", price=2000, stock=10)
    store_plan(store, 1000)
    video = make_video(creator.id, [product])
    return SimpleNamespace(creator=creator, buyer=buyer, product=product, video=video)


@contextmanager
def visiting(app: Flask, user: Any = None) -> Iterator[None]:
    """A request of ``user`` (a guest when None), as a view would run the services in."""
    with app.test_request_context("/", headers={"User-Agent": BROWSER}):
        if user is not None:
            login_user(user)
        yield


def events() -> list[tuple[str, int | None]]:
    rows = db.session.execute(
        select(ContentEvent.kind, ContentEvent.product_id).order_by(ContentEvent.id)
    )
    return [tuple(row) for row in rows]


def test_a_tap_remembers_the_touch_and_counts_a_click(app_ctx, world):
    with visiting(app_ctx, world.buyer):
        services.open_card(
            world.video, world.product.id, viewer_id=world.buyer.id, user_agent=BROWSER
        )
        touched = touches.attribution_for(world.product.id)
    assert (touched.creator_id, touched.content_id) == (world.creator.id, world.video.id)
    assert events() == [("click", world.product.id)]


@pytest.mark.parametrize("who", ["bot", "the creator"])
def test_bots_and_the_creators_own_taps_are_remembered_not_counted(app_ctx, world, who):
    viewer = world.creator if who == "the creator" else None
    with visiting(app_ctx, viewer):
        services.open_card(
            world.video,
            world.product.id,
            viewer_id=viewer.id if viewer else None,
            user_agent=BOT if who == "bot" else BROWSER,
        )
        assert touches.attribution_for(world.product.id) is not None
    assert events() == []


def test_an_add_from_a_card_is_attributed_and_announced_once(app_ctx, world):
    announced: list[Any] = []

    def listen(line: Any, **extra: Any) -> None:
        announced.append(extra)

    signals.cart_line_added.connect(listen)
    try:
        with visiting(app_ctx, world.buyer):
            cart = get_or_create_cart(user_id=world.buyer.id)
            line = services.add_from_card(
                cart,
                world.video,
                world.product.variants[0],
                2,
                viewer_id=world.buyer.id,
                user_agent=BROWSER,
            )
    finally:
        signals.cart_line_added.disconnect(listen)

    assert (line.creator_id, line.content_id, line.quantity) == (
        world.creator.id,
        world.video.id,
        2,
    )
    assert len(announced) == 1
    assert announced[0]["quantity"] == 2
    assert announced[0]["attribution"].content_id == world.video.id
    assert events() == [("click", world.product.id), ("add_to_cart", world.product.id)]


def test_an_add_outside_a_request_counts_no_event(app_ctx, world):
    """A script (the demo) adds attributed lines too: nobody's tap, so no event."""
    cart = get_or_create_cart(user_id=world.buyer.id)
    touch = Attribution(world.creator.id, "video", world.video.id)
    line = add_to_cart(cart, world.product.variants[0], 1, touch)
    assert line.content_id == world.video.id
    assert events() == []


def test_an_unattributed_add_counts_no_event(app_ctx, world):
    with visiting(app_ctx, world.buyer):
        cart = get_or_create_cart(user_id=world.buyer.id)
        add_to_cart(cart, world.product.variants[0], 1)
    assert events() == []


# ---------------------------------------------------------------------------- commission states


@pytest.mark.parametrize(
    ("state", "target"),
    [
        (CommissionState.SETTLED, CommissionState.REVERSED),
        (CommissionState.REVERSED, CommissionState.SETTLED),
        (CommissionState.CLAWED_BACK, CommissionState.SETTLED),
        (CommissionState.PENDING, CommissionState.CLAWED_BACK),
    ],
)
def test_a_commission_cannot_skip_or_undo_a_state(world, state, target):
    commission = make_commission(world.creator, world.product, state=state)
    with pytest.raises(IllegalTransition) as raised:
        COMMISSION.move(commission, target)
    assert raised.value.status_code == 409
    assert commission.state == state.value
