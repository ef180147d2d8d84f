"""Live flash deals, the affiliate side: a seller gives a creator's open live a deal from the
Seller centre; viewers of that live see it with a countdown, buy at its price from the live's
yellow cart, and the creator earns the rate × the amount paid; sold out and ended reach the
live page's poll."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from affiliate.creators.attribution.models import Commission
from affiliate.creators.content import lives
from affiliate.creators.content.models import Content
from core.accounts.models import Role
from core.extensions import db
from core.money import percent_of
from core.types import utcnow
from shop.promotions.live_deal_models import LiveDeal
from tests.conftest import Auth, post_form
from tests.creators.factories import make_live, make_profile, showcase, store_plan
from tests.factories import make_user
from tests.shop.factories import make_product, make_store
from tests.shop.orders.helpers import pay, payment_id_of, place

RATE_BPS = 1500


@pytest.fixture
def world(app_ctx):
    """Sam's store Glow sells a serum ($20.00) and a mask Cleo has not showcased; Cleo (15%
    store plan) showcases the serum and is live with it; Rex has another store."""
    cleo = make_profile(user_id=make_user(Role.CREATOR, email="cleo@example.com").id)
    cleo.handle, cleo.display_name = "cleo", "Cleo"
    sam = make_user(Role.SELLER, email="sam@example.com")
    store = make_store(sam, name="Glow")
    serum = make_product(store, title="Glow serum", price=2000, stock=30)
    mask = make_product(store, title="Night mask", price=3000, stock=30)
    showcase(cleo.user_id, serum)
    store_plan(store, RATE_BPS)
    rex = make_user(Role.SELLER, email="rex@example.com")
    other = make_product(make_store(rex, name="Rex Goods"), title="Rex mug", price=1000)
    showcase(cleo.user_id, other)
    live = make_live(cleo.user_id, [serum, mask, other], state="live")
    make_user(email="bea@example.com")
    db.session.commit()
    return SimpleNamespace(
        cleo_id=cleo.user_id,
        store=store,
        serum=serum,
        mask=mask,
        other=other,
        live=live,
        serum_variant=serum.variants[0].id,
    )


def _as(client, email):
    Auth(client).login(email)
    return client


def _form(world, **changes):
    ends = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "content_id": world.live.id,
        "variant_id": world.serum_variant,
        "deal_price": "15.00",
        "quantity": 10,
        "per_buyer_limit": 2,
        "starts_at": "",
        "ends_at": ends,
    }
    data.update(changes)
    return data


def _deals() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(LiveDeal.id))) or 0


# ---------------------------------------------------------------------------- seller centre


def test_seller_sees_the_lives_carrying_their_showcased_products(client, world):
    page = _as(client, "sam@example.com").get("/seller/live-deals")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Morning routine, live · @cleo · on air now" in html
    assert "Glow serum" in html
    assert "Night mask" not in html  # on the live, not in Cleo's showcase
    assert "Rex mug" not in html  # another store's


def test_seller_gives_a_running_live_a_deal_that_runs_at_once(client, world):
    response = post_form(_as(client, "sam@example.com"), "/seller/live-deals", _form(world))
    assert response.status_code == 303
    deal = db.session.scalars(select(LiveDeal)).one()
    assert (deal.content_type, deal.content_id, deal.creator_id) == (
        "live",
        world.live.id,
        world.cleo_id,
    )
    assert (deal.deal_price, deal.quantity, deal.per_buyer_limit) == (1500, 10, 2)
    assert deal.opened_at is not None
    listing = client.get("/seller/live-deals").get_data(as_text=True)
    assert "Running" in listing
    assert "0 / 10" in listing


def test_another_stores_option_is_not_found(client, world):
    other_variant = world.other.variants[0].id
    response = post_form(
        _as(client, "sam@example.com"), "/seller/live-deals", _form(world, variant_id=other_variant)
    )
    assert response.status_code == 404
    assert _deals() == 0


def test_a_product_not_in_the_creators_showcase_is_refused(client, world):
    mask_variant = world.mask.variants[0].id
    response = post_form(
        _as(client, "sam@example.com"), "/seller/live-deals", _form(world, variant_id=mask_variant)
    )
    assert response.status_code == 404
    assert _deals() == 0


def test_an_ended_live_is_refused_with_a_409(client, world):
    lives.end_live(world.cleo_id, world.live.id)
    db.session.commit()
    response = post_form(_as(client, "sam@example.com"), "/seller/live-deals", _form(world))
    assert response.status_code == 409
    assert _deals() == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"deal_price": "25.00"},
        {"deal_price": "-1"},
        {"quantity": 0},
        {"per_buyer_limit": 11},
        {"ends_at": "not a date"},
        {"content_id": "abc"},
    ],
)
def test_bad_input_answers_400_and_writes_nothing(client, world, changes):
    response = post_form(
        _as(client, "sam@example.com"), "/seller/live-deals", _form(world, **changes)
    )
    assert response.status_code == 400
    assert _deals() == 0


def test_a_scheduled_lives_deal_starts_no_earlier_than_the_live(client, world):
    later = make_live(world.cleo_id, [world.serum], state="scheduled")
    too_early = (later.scheduled_at - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    ends = (later.scheduled_at + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    seller = _as(client, "sam@example.com")
    refused = post_form(
        seller,
        "/seller/live-deals",
        _form(world, content_id=later.id, starts_at=too_early, ends_at=ends),
    )
    assert refused.status_code == 400
    assert _deals() == 0
    given = post_form(seller, "/seller/live-deals", _form(world, content_id=later.id, ends_at=ends))
    assert given.status_code == 303
    deal = db.session.scalars(select(LiveDeal)).one()
    assert deal.opened_at is None  # waits for the live to go on air
    lives.end_live(world.cleo_id, world.live.id)  # one live on air at a time
    lives.start_live(world.cleo_id, later.id)
    db.session.commit()
    db.session.refresh(deal)
    assert deal.opened_at is not None


def test_another_seller_cannot_end_the_deal(client, world):
    post_form(_as(client, "sam@example.com"), "/seller/live-deals", _form(world))
    deal_id = db.session.scalars(select(LiveDeal.id)).one()
    client.get("/logout")
    other = post_form(_as(client, "rex@example.com"), f"/seller/live-deals/{deal_id}/end")
    assert other.status_code == 404
    assert db.session.get(LiveDeal, deal_id).ended_at is None


def test_seller_ends_the_deal(client, world):
    seller = _as(client, "sam@example.com")
    post_form(seller, "/seller/live-deals", _form(world))
    deal_id = db.session.scalars(select(LiveDeal.id)).one()
    assert post_form(seller, f"/seller/live-deals/{deal_id}/end").status_code == 303
    db.session.expire_all()
    assert db.session.get(LiveDeal, deal_id).ended_at is not None


# ---------------------------------------------------------------------------- viewers


def _give(world, **changes) -> LiveDeal:
    from affiliate.creators.content.live_deals import give_live_deal

    values = {
        "content_id": world.live.id,
        "variant_id": world.serum_variant,
        "deal_price": "15.00",
        "quantity": 10,
        "per_buyer_limit": 2,
        "starts_at": None,
        "ends_at": utcnow() + timedelta(hours=1),
    }
    values.update(changes)
    deal = give_live_deal(world.store, **values)
    db.session.commit()
    return deal


def test_signed_out_viewer_sees_the_deal_with_a_countdown(client, world):
    deal = _give(world)
    html = client.get(f"/live/{world.live.id}").get_data(as_text=True)
    assert "Live deal" in html
    assert f'data-live-deal="{deal.id}"' in html
    assert 'data-deal-state="running"' in html
    assert "data-deal-ends=" in html
    assert "$15.00" in html
    assert "10 left" in html


def test_viewer_buys_at_the_deal_price_and_the_creator_earns_rate_times_paid(client, world):
    deal = _give(world)
    buyer = _as(client, "bea@example.com")
    added = post_form(
        buyer,
        f"/c/{world.live.id}/cart",
        {"product_id": world.serum.id, "variant_id": world.serum_variant, "quantity": 2},
    )
    assert added.status_code == 303
    assert "Live deal" in buyer.get("/cart").get_data(as_text=True)
    payment_id = payment_id_of(place(buyer))
    assert pay(buyer, payment_id).status_code in (302, 303)
    db.session.expire_all()
    commission = db.session.scalars(select(Commission)).one()
    assert commission.base_amount == 2 * 1500
    assert commission.amount == percent_of(2 * 1500, RATE_BPS) == 450
    assert (commission.creator_id, commission.content_id) == (world.cleo_id, world.live.id)
    assert db.session.get(LiveDeal, deal.id).sold == 2


def test_poll_reports_sold_out_and_ended_without_a_reload(client, world):
    deal = _give(world, quantity=1, per_buyer_limit=1)
    state = client.get(f"/live/{world.live.id}/state.json").get_json()
    assert [(d["id"], d["state"], d["left"]) for d in state["deals"]] == [(deal.id, "running", 1)]
    assert state["deals"][0]["seconds_left"] > 0
    db.session.get(LiveDeal, deal.id).sold = 1
    db.session.commit()
    state = client.get(f"/live/{world.live.id}/state.json").get_json()
    assert state["deals"][0]["state"] == "sold_out"
    lives.end_live(world.cleo_id, world.live.id)
    db.session.commit()
    state = client.get(f"/live/{world.live.id}/state.json").get_json()
    assert state["deals"][0]["state"] == "ended"


def test_the_pinned_card_polled_shows_the_running_deals_price(client, world):
    _give(world)
    lives.pin_product(world.cleo_id, world.live.id, world.serum.id)
    db.session.commit()
    pinned = client.get(f"/live/{world.live.id}/state.json").get_json()["pinned"]
    assert (pinned["price_text"], pinned["compare_text"]) == ("$15.00", "$20.00")


def test_the_pinned_card_polled_without_a_deal_shows_the_list_price(client, world):
    lives.pin_product(world.cleo_id, world.live.id, world.serum.id)
    db.session.commit()
    pinned = client.get(f"/live/{world.live.id}/state.json").get_json()["pinned"]
    assert (pinned["price_text"], pinned["compare_text"]) == ("$20.00", None)


def test_ending_the_live_ends_its_deals(world):
    deal = _give(world)
    lives.end_live(world.cleo_id, world.live.id)
    db.session.commit()
    db.session.refresh(deal)
    assert deal.ended_at is not None
    assert db.session.get(Content, world.live.id).live_state == "ended"


def test_the_creator_sees_the_deal_on_the_control_panel(client, world):
    _give(world)
    html = (
        _as(client, "cleo@example.com")
        .get(f"/creator/lives/{world.live.id}")
        .get_data(as_text=True)
    )
    assert "Sellers&#39; deals for your viewers" in html or "Sellers' deals" in html
    assert "$15.00" in html


def test_seller_page_statements_do_not_grow_with_deals(client, world, count_queries):
    seller = _as(client, "sam@example.com")
    counts = []
    for batch in ((10,), (20, 30, 40)):
        for minutes in batch:
            db.session.add(
                LiveDeal(
                    store_id=world.store.id,
                    product_id=world.serum.id,
                    variant_id=world.serum_variant,
                    creator_id=world.cleo_id,
                    content_type="live",
                    content_id=world.live.id,
                    deal_price=1000,
                    quantity=5,
                    per_buyer_limit=1,
                    starts_at=utcnow() - timedelta(hours=2, minutes=minutes),
                    ends_at=utcnow() - timedelta(hours=1, minutes=minutes),
                )
            )
        db.session.commit()
        count_queries.statements.clear()
        assert seller.get("/seller/live-deals").status_code == 200
        counts.append(count_queries.count)
    assert counts[0] == counts[1]  # one deal, then four
