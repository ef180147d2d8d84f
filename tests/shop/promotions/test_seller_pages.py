"""The seller's marketing pages: the list by state, the three creation forms, "End now",
ownership (another seller's promotion is not found), CSRF, and a constant number of queries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Store
from shop.promotions.models import FlashDeal, ProductDiscount, Voucher
from tests.conftest import Auth, csrf_token, post_form
from tests.factories import make_user
from tests.shop.factories import (
    Line,
    make_flash_deal,
    make_product,
    make_product_discount,
    make_store,
    make_voucher,
    write_order,
)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
LOCAL = "%Y-%m-%dT%H:%M"  # what a datetime-local input sends


@dataclass(frozen=True)
class SellerInfo:
    user_id: int
    store_id: int


@pytest.fixture
def seller(app_ctx, client) -> SellerInfo:
    """A seller with a USD store, signed in on ``client``."""
    user = make_user(Role.SELLER, email="seller@example.com")
    store = make_store(owner=user, name="Glow Lab")
    info = SellerInfo(user.id, store.id)
    assert Auth(client).login(user.email).status_code == 302
    return info


def my_store(seller: SellerInfo) -> Store:
    return db.session.get(Store, seller.store_id)


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def text_of(response) -> str:
    return response.get_data(as_text=True)


def window(starts: timedelta = -HOUR, ends: timedelta = 7 * DAY) -> dict[str, str]:
    now = utcnow()
    return {"starts_at": (now + starts).strftime(LOCAL), "ends_at": (now + ends).strftime(LOCAL)}


def add_discount(store: Store, name: str = "Serum sale", **window_args: timedelta):
    now = utcnow()
    return make_product_discount(
        make_product(store, price=2000),
        percent_bps=1500,
        name=name,
        starts_at=now + window_args.get("starts", -HOUR),
        ends_at=now + window_args.get("ends", 7 * DAY),
    )


# --- access ----------------------------------------------------------------------------------


def test_marketing_needs_a_seller(app_ctx, client):
    assert client.get("/seller/marketing").status_code == 302  # to sign in
    make_user(Role.BUYER, email="buyer@example.com")
    Auth(client).login("buyer@example.com")
    assert client.get("/seller/marketing").status_code == 403
    assert client.get("/seller/marketing/discounts/new").status_code == 403


def test_a_seller_without_a_store_is_asked_to_open_one(app_ctx, client):
    make_user(Role.SELLER, email="new@example.com")
    Auth(client).login("new@example.com")

    page = text_of(client.get("/seller/marketing"))

    assert "Open your store first" in page
    assert client.get("/seller/marketing/vouchers/new").status_code == 302


# --- the list --------------------------------------------------------------------------------


def test_the_empty_page_explains_promotions_with_a_button_for_each_kind(seller, client):
    page = text_of(client.get("/seller/marketing"))

    assert "Run your first promotion" in page
    for path in ("discounts", "vouchers", "flash-deals"):
        assert f'href="/seller/marketing/{path}/new"' in page
    assert 'data-chart-kind="promotions"' not in page


def test_the_page_lists_promotions_by_state_with_their_figures(seller, client):
    store = my_store(seller)
    running = add_discount(store, "Running sale")
    add_discount(store, "Next week", starts=7 * DAY, ends=8 * DAY)
    variant = make_product(store, price=2000).variants[0]
    write_order(
        make_user(Role.BUYER),
        [Line(variant, 2, product_discount=600, discount_id=running.id)],
        placed_at=utcnow() - HOUR,
    )

    page = text_of(client.get("/seller/marketing"))

    assert "Running sale" in page
    assert "Next week" not in page  # on the scheduled tab
    assert "15% off" in page
    assert "$34.00" in page  # GMV: 2 × $20.00 − $6.00
    assert "$6.00" in page  # discount spent
    assert 'data-chart-kind="promotions"' in page
    assert 'id="promo-chart-data"' in page
    assert "End now" in page
    assert "Next week" in text_of(client.get("/seller/marketing?state=scheduled"))
    assert "Nothing has ended yet" in text_of(client.get("/seller/marketing?state=ended"))


def test_the_page_shows_only_my_promotions(seller, client):
    add_discount(my_store(seller), "Mine")
    add_discount(make_store(), "Theirs")

    page = text_of(client.get("/seller/marketing"))

    assert "Mine" in page
    assert "Theirs" not in page


def add_promotions(store: Store, first: int, last: int) -> None:
    """Promotions number ``first`` to ``last - 1``: discounts, vouchers and flash deals in
    turn, each with targets, and an order that used it."""
    product = make_product(store, price=2000)
    buyer = make_user(Role.BUYER)
    now = utcnow()
    for index in range(first, last):
        window_args = {"starts_at": now - HOUR, "ends_at": now + (index + 1) * HOUR}
        if index % 3 == 0:
            discount = make_product_discount(product, name=f"D{index}", **window_args)
            line = Line(product.variants[0], 1, product_discount=200, discount_id=discount.id)
            write_order(buyer, [line], placed_at=now - HOUR)
        elif index % 3 == 1:
            voucher = make_voucher(store, name=f"V{index}", products=[product], **window_args)
            line = Line(product.variants[0], 1, voucher_discount=500)
            write_order(buyer, [line], placed_at=now - HOUR, voucher=voucher)
        else:
            variant = make_product(store, price=2000).variants[0]
            deal = make_flash_deal(variant, 1500, quantity=5, sold=1, **window_args)
            line = Line(variant, 1, product_discount=500, flash_deal_id=deal.id)
            write_order(buyer, [line], placed_at=now - HOUR)


def test_the_page_runs_a_constant_number_of_queries(seller, client, count_queries):
    store = my_store(seller)
    client.get("/seller/marketing")  # warm up

    def queries() -> int:
        before = count_queries.count
        assert client.get("/seller/marketing").status_code == 200
        return count_queries.count - before

    add_promotions(store, 0, 2)
    with_two = queries()
    add_promotions(store, 2, 20)
    with_twenty = queries()

    assert with_twenty == with_two
    assert "D18" in text_of(client.get("/seller/marketing"))


# --- creating --------------------------------------------------------------------------------


def test_the_discount_form_offers_my_active_products_in_utc(seller, client):
    store = my_store(seller)
    make_product(store, title="Vitamin Serum", variants=3)
    make_product(store, title="Old Draft", status="draft")
    make_product(make_store(), title="Their Serum")

    page = text_of(client.get("/seller/marketing/discounts/new"))

    assert "Vitamin Serum" in page
    assert "Old Draft" not in page
    assert "Their Serum" not in page
    assert 'type="datetime-local"' in page
    assert "UTC" in page
    assert page.count('name="variant_ids"') == 3


def test_a_seller_creates_a_discount(seller, client):
    store = my_store(seller)
    product = make_product(store, price=2000)
    other = make_product(store, price=2000, variants=2)

    response = post_form(
        client,
        "/seller/marketing/discounts/new",
        {
            "name": "Spring sale",
            "kind": "percent",
            "value": "12.5",
            "product_ids": [product.id],
            "variant_ids": [other.variants[1].id],
            **window(),
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/seller/marketing?state=running")
    discount = db.session.scalars(select(ProductDiscount)).one()
    assert (discount.store_id, discount.percent_bps, discount.name) == (
        store.id,
        1250,
        "Spring sale",
    )
    assert [(t.product_id, t.variant_id) for t in discount.targets] == [
        (product.id, None),
        (other.id, other.variants[1].id),
    ]
    assert "Spring sale" in text_of(client.get("/seller/marketing"))


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"value": "150"}, "at most 100%"),
        ({"value": "12.345"}, "two decimals"),
        ({"value": "-5"}, "more than zero"),
        ({"kind": "fixed", "value": "0"}, "more than zero"),
        ({"kind": "fixed", "value": "-3"}, "more than zero"),
        ({"name": ""}, "Give the promotion a name"),
        ({"product_ids": []}, "Choose at least one product"),
    ],
)
def test_bad_discount_input_is_shown_on_the_form_and_writes_nothing(seller, client, changes, says):
    product = make_product(my_store(seller), price=2000)
    data = {"name": "Sale", "kind": "percent", "value": "10", "product_ids": [product.id]}
    data.update(window())
    data.update(changes)

    response = post_form(client, "/seller/marketing/discounts/new", data)

    assert response.status_code == 400
    assert says in text_of(response)
    assert count(ProductDiscount) == 0


def test_a_window_ending_before_it_starts_is_refused(seller, client):
    product = make_product(my_store(seller))
    data = {"name": "Sale", "kind": "percent", "value": "10", "product_ids": [product.id]}

    response = post_form(
        client, "/seller/marketing/discounts/new", {**data, **window(starts=2 * DAY, ends=DAY)}
    )

    assert response.status_code == 400
    assert "The end must come after the start." in text_of(response)
    assert count(ProductDiscount) == 0


def test_a_discount_on_another_stores_product_is_refused(seller, client):
    mine = make_product(my_store(seller))
    theirs = make_product(make_store())
    data = {"name": "Sale", "kind": "percent", "value": "10", "product_ids": [mine.id, theirs.id]}

    response = post_form(client, "/seller/marketing/discounts/new", {**data, **window()})

    assert response.status_code == 400
    assert f"Product #{theirs.id} is not one of your store&#39;s products" in text_of(response)
    assert count(ProductDiscount) == 0


def test_junk_product_ids_are_refused(seller, client):
    data = {"name": "Sale", "kind": "percent", "value": "10", "product_ids": ["x1"]}

    response = post_form(client, "/seller/marketing/discounts/new", {**data, **window()})

    assert response.status_code == 400
    assert count(ProductDiscount) == 0


def test_a_seller_creates_a_voucher_and_the_code_is_upper_cased(seller, client):
    make_product(my_store(seller))

    response = post_form(
        client,
        "/seller/marketing/vouchers/new",
        {
            "code": "  glow10 ",
            "name": "Ten off",
            "kind": "percent",
            "value": "10",
            "cap": "",
            "min_spend": "50",
            "scope": "store",
            "total_uses": "",
            "per_buyer_limit": "1",
            "public": "y",
            **window(ends=30 * DAY),
        },
    )

    assert response.status_code == 302
    voucher = db.session.scalars(select(Voucher)).one()
    assert (voucher.code, voucher.min_spend, voucher.public) == ("GLOW10", 5000, True)
    assert voucher.total_uses is None
    assert "GLOW10" in text_of(client.get("/seller/marketing"))


def test_a_private_voucher_for_chosen_products(seller, client):
    product = make_product(my_store(seller))

    response = post_form(
        client,
        "/seller/marketing/vouchers/new",
        {
            "code": "VIP5",
            "name": "VIP",
            "kind": "fixed",
            "value": "5",
            "scope": "products",
            "product_ids": [product.id],
            "total_uses": "100",
            "per_buyer_limit": "1",
            **window(),
        },
    )

    assert response.status_code == 302
    voucher = db.session.scalars(select(Voucher)).one()
    assert (voucher.public, voucher.scope, voucher.total_uses) == (False, "products", 100)
    assert [vp.product_id for vp in voucher.products] == [product.id]


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"code": "GLOW 10"}, "A code has no spaces"),
        ({"code": "GL"}, "3 to 32"),
        ({"code": "other1"}, "OTHER1 is already in use"),
        ({"value": "101"}, "at most 100%"),
        ({"min_spend": "-1"}, "cannot be negative"),
        ({"total_uses": "0"}, "at least 1"),
        ({"per_buyer_limit": "abc"}, "Not a valid integer value"),
        ({"scope": "products", "product_ids": []}, "Choose at least one product"),
    ],
)
def test_bad_voucher_input_is_shown_on_the_form_and_writes_nothing(seller, client, changes, says):
    make_product(my_store(seller))
    make_voucher(make_store(), code="OTHER1")
    data = {
        "code": "GLOW10",
        "name": "Ten",
        "kind": "percent",
        "value": "10",
        "scope": "store",
        "per_buyer_limit": "1",
        **window(),
    }
    data.update(changes)

    response = post_form(client, "/seller/marketing/vouchers/new", data)

    assert response.status_code == 400
    assert says in text_of(response)
    assert count(Voucher) == 1  # only the other store's


def test_a_voucher_on_another_stores_product_is_refused(seller, client):
    theirs = make_product(make_store())

    response = post_form(
        client,
        "/seller/marketing/vouchers/new",
        {
            "code": "MINE",
            "name": "Mine",
            "kind": "percent",
            "value": "10",
            "scope": "products",
            "product_ids": [theirs.id],
            "per_buyer_limit": "1",
            **window(),
        },
    )

    assert response.status_code == 400
    assert count(Voucher) == 0


def test_the_flash_deal_form_lists_my_variants(seller, client):
    make_product(my_store(seller), title="Velvet Lipstick", variants=2, price=1600)
    make_product(make_store(), title="Their Lipstick")

    page = text_of(client.get("/seller/marketing/flash-deals/new"))

    assert "Velvet Lipstick · S · $16.00" in page
    assert "Their Lipstick" not in page
    assert "7 days at most" in page


def test_a_seller_creates_a_flash_deal(seller, client):
    variant = make_product(my_store(seller), price=2800).variants[0]

    response = post_form(
        client,
        "/seller/marketing/flash-deals/new",
        {
            "variant_id": variant.id,
            "deal_price": "19.99",
            "quantity": "20",
            "per_buyer_limit": "2",
            "name": "",
            **window(starts=DAY, ends=DAY + 6 * HOUR),
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("state=scheduled")
    deal = db.session.scalars(select(FlashDeal)).one()
    assert (deal.variant_id, deal.deal_price, deal.quantity) == (variant.id, 1999, 20)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"deal_price": "28.00"}, "must be below the price"),
        ({"deal_price": "0"}, "more than zero"),
        ({"quantity": "0"}, "at least 1"),
        ({"ends_at_days": 8}, "7 days at most"),
        ({"variant_id": ""}, "Choose the variant"),
    ],
)
def test_bad_flash_deal_input_writes_nothing(seller, client, changes, says):
    variant = make_product(my_store(seller), price=2800).variants[0]
    data = {
        "variant_id": str(variant.id),
        "deal_price": "19.99",
        "quantity": "20",
        "per_buyer_limit": "1",
        **window(ends=6 * HOUR),
    }
    if "ends_at_days" in changes:
        data.update(window(ends=changes.pop("ends_at_days") * DAY))
    data.update(changes)

    response = post_form(client, "/seller/marketing/flash-deals/new", data)

    assert response.status_code == 400
    assert says in text_of(response)
    assert count(FlashDeal) == 0


def test_a_flash_deal_on_another_stores_variant_is_refused(seller, client):
    theirs = make_product(make_store(), price=2800).variants[0]
    data = {"variant_id": theirs.id, "deal_price": "10", "quantity": "5", "per_buyer_limit": "1"}

    response = post_form(
        client, "/seller/marketing/flash-deals/new", {**data, **window(ends=5 * HOUR)}
    )

    assert response.status_code == 400
    assert count(FlashDeal) == 0


def test_creating_needs_a_csrf_token(seller, client):
    product = make_product(my_store(seller))
    data = {"name": "Sale", "kind": "percent", "value": "10", "product_ids": [product.id]}

    response = client.post("/seller/marketing/discounts/new", data={**data, **window()})

    assert response.status_code == 400
    assert count(ProductDiscount) == 0


# --- ending early ----------------------------------------------------------------------------


def test_a_seller_ends_a_promotion_now(seller, client):
    discount = add_discount(my_store(seller))

    response = post_form(client, f"/seller/marketing/discounts/{discount.id}/end")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("state=ended")
    db.session.expire_all()
    assert db.session.get(ProductDiscount, discount.id).ended_at is not None
    page = text_of(client.get("/seller/marketing?state=ended"))
    assert "ended early" in page
    assert "has ended. Orders already placed keep their prices." in page


def test_the_end_button_asks_first(seller, client):
    discount = add_discount(my_store(seller), "Serum sale")

    page = text_of(client.get("/seller/marketing"))

    form = re.search(
        rf'<form method="post" action="/seller/marketing/discounts/{discount.id}/end"[^>]*>', page
    )
    assert form is not None
    assert "data-confirm=" in form.group(0)


def test_another_seller_cannot_end_my_promotion(seller, client, app):
    mine = add_discount(my_store(seller))
    intruder = app.test_client()
    other = make_user(Role.SELLER, email="other@example.com")
    make_store(owner=other)
    Auth(intruder).login("other@example.com")

    response = intruder.post(
        f"/seller/marketing/discounts/{mine.id}/end", data={"csrf_token": csrf_token(intruder)}
    )

    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(ProductDiscount, mine.id).ended_at is None


@pytest.mark.parametrize("path", ["vouchers/1/end", "discounts/999/end", "coupons/1/end"])
def test_unknown_promotions_are_not_found(seller, client, path):
    add_discount(my_store(seller))

    assert post_form(client, f"/seller/marketing/{path}").status_code == 404


def test_ending_needs_a_csrf_token(seller, client):
    discount = add_discount(my_store(seller))

    response = client.post(f"/seller/marketing/discounts/{discount.id}/end")

    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(ProductDiscount, discount.id).ended_at is None


def test_ending_an_ended_promotion_says_so(seller, client):
    discount = add_discount(my_store(seller))
    post_form(client, f"/seller/marketing/discounts/{discount.id}/end")

    response = post_form(
        client, f"/seller/marketing/discounts/{discount.id}/end", follow_redirects=True
    )

    assert response.status_code == 200
    assert "has already ended" in text_of(response)
