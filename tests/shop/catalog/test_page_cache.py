"""The page cache on the public pages never serves a stale or another viewer's page.

Each test loads a page once (so that it is cached), changes what it shows, and loads it again.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from core.extensions import db
from core.types import utcnow
from core.web import pagecache
from shop.catalog.models import Category, Product, ProductStatus, Variant
from tests.factories import make_user
from tests.shop.catalog.helpers import release
from tests.shop.factories import add_discount, add_flash_deal, make_product, make_store
from tests.shop.promotions.helpers import signed_in

_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def cached_product(**kwargs) -> int:
    product_id = make_product(**kwargs).id
    release()
    return product_id


def test_an_anonymous_page_is_served_from_the_cache_without_a_statement(
    app, app_ctx, client, count_queries
):
    product_id = cached_product(title="Cached serum")
    app.config["PAGE_CACHE_SECONDS"] = 300
    page(client, f"/p/{product_id}")
    count_queries.statements.clear()
    assert "Cached serum" in page(client, f"/p/{product_id}")
    assert count_queries.statements == []


def test_a_new_price_shows_at_once(app_ctx, client):
    product_id = cached_product(price=1999)
    assert "$19.99" in page(client, f"/p/{product_id}")
    db.session.get(Product, product_id).price = 2599
    for variant in db.session.query(Variant).filter_by(product_id=product_id):
        variant.price = 2599
    db.session.commit()

    shown = page(client, f"/p/{product_id}")
    assert "$25.99" in shown
    assert "$19.99" not in shown


def test_a_sold_out_option_shows_at_once(app_ctx, client):
    product_id = cached_product(stock=10)
    assert "In stock" in page(client, f"/p/{product_id}")
    db.session.query(Variant).filter_by(product_id=product_id).update({"stock": 0})
    db.session.commit()

    assert "Sold out" in page(client, f"/p/{product_id}")


def test_a_new_price_shows_on_the_cached_home_and_store_pages(app_ctx, client):
    store = make_store(handle="fresh-store")
    product_id = make_product(store, price=1999, featured=True).id
    release()
    assert "$19.99" in page(client, "/")
    assert "$19.99" in page(client, "/s/fresh-store")
    db.session.get(Product, product_id).price = 1499
    db.session.commit()

    assert "$14.99" in page(client, "/")
    assert "$14.99" in page(client, "/s/fresh-store")


def test_a_product_turned_draft_is_gone_at_once(app_ctx, client):
    product_id = cached_product(title="Soon hidden", featured=True)
    assert "Soon hidden" in page(client, "/")
    page(client, f"/p/{product_id}")
    db.session.get(Product, product_id).status = ProductStatus.DRAFT.value
    db.session.commit()

    assert client.get(f"/p/{product_id}").status_code == 404
    assert "Soon hidden" not in page(client, "/")


def test_a_discount_shows_when_it_starts_and_not_after_it_ends(app_ctx, client):
    start = utcnow().replace(microsecond=0)
    product = make_product(price=2000)
    add_discount(
        product, percent_bps=5000, starts=timedelta(hours=1), ends=timedelta(hours=2), now=start
    )
    product_id = product.id
    release()

    with freeze_time(start) as clock:
        assert "$10.00" not in page(client, f"/p/{product_id}")
        clock.tick(timedelta(hours=1, seconds=1))
        assert "$10.00" in page(client, f"/p/{product_id}")
        clock.tick(timedelta(hours=1))
        assert "$10.00" not in page(client, f"/p/{product_id}")


def test_a_flash_deal_countdown_leaves_the_page_when_the_deal_ends(app_ctx, client):
    start = utcnow().replace(microsecond=0)
    product = make_product(price=2000)
    add_flash_deal(product.variants[0], 900, ends=timedelta(minutes=30), now=start)
    product_id = product.id
    release()

    with freeze_time(start) as clock:
        assert "data-countdown" in page(client, f"/p/{product_id}")
        clock.tick(timedelta(minutes=31))
        shown = page(client, f"/p/{product_id}")
        assert "data-countdown" not in shown
        assert "$9.00" not in shown


def test_a_signed_in_page_never_shows_another_buyers_name(app, app_ctx):
    product_id = cached_product(title="Shared page")
    make_user(email="ann@example.com", display_name="Ann Buyer")
    make_user(email="bob@example.com", display_name="Bob Buyer")
    release()
    ann = signed_in(app.test_client(), "ann@example.com")
    bob = signed_in(app.test_client(), "bob@example.com")

    assert "Ann Buyer" in page(ann, f"/p/{product_id}")
    seen_by_bob = page(bob, f"/p/{product_id}")
    assert "Bob Buyer" in seen_by_bob
    assert "Ann Buyer" not in seen_by_bob
    assert "Ann Buyer" in page(ann, f"/p/{product_id}")
    assert "Sign in" not in page(ann, "/")
    assert "Ann Buyer" not in page(app.test_client(), f"/p/{product_id}")


def test_the_cart_count_in_the_header_follows_the_buyer_on_a_cached_page(app, app_ctx):
    product = make_product(stock=5)
    product_id, variant_id = product.id, product.variants[0].id
    make_user(email="cat@example.com")
    release()
    buyer = signed_in(app.test_client(), "cat@example.com")
    first = page(buyer, f"/p/{product_id}")
    token = _CSRF.search(first).group(1)
    added = buyer.post(
        "/cart/add", data={"csrf_token": token, "variant_id": variant_id, "quantity": 2}
    )
    assert added.status_code in (302, 303)

    badge = re.search(
        r'text-bg-warning">(\d+)<span class="visually-hidden"> item',
        page(buyer, f"/p/{product_id}"),
    )
    assert badge is not None
    assert badge.group(1) == "2"


def test_each_visitor_gets_the_csrf_token_of_their_own_session(app, app_ctx):
    product_id = cached_product()
    first, second = app.test_client(), app.test_client()
    token_one = _CSRF.search(page(first, f"/p/{product_id}")).group(1)
    shown_to_second = page(second, f"/p/{product_id}")
    token_two = _CSRF.search(shown_to_second).group(1)

    assert token_one != token_two
    assert pagecache.CSRF_SENTINEL not in shown_to_second
    with first.session_transaction() as one, second.session_transaction() as two:
        assert one["csrf_token"] != two["csrf_token"]
    assert f'value="{token_two}"' in shown_to_second  # the add-to-cart form has it too


def test_a_flashed_message_is_shown_once_and_never_to_another_visitor(app, app_ctx):
    cached_product(featured=True)
    other, flashed = app.test_client(), app.test_client()
    page(other, "/")  # the home page is cached
    with flashed.session_transaction() as session:
        session["_flashes"] = [("message", "Your review was saved")]

    assert "Your review was saved" in page(flashed, "/")
    assert "Your review was saved" not in page(flashed, "/")
    assert "Your review was saved" not in page(other, "/")


@pytest.mark.parametrize("path", ["/", "/p/{product_id}"])
def test_a_browser_holding_the_page_gets_a_304(app_ctx, client, path):
    product_id = cached_product(featured=True)
    url = path.format(product_id=product_id)
    page(client, url)
    first = client.get(url)
    etag = first.headers["ETag"]

    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    db.session.get(Product, product_id).price = 1234
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_a_cached_search_shows_a_new_match_and_a_new_price_at_once(app_ctx, client):
    product_id = cached_product(title="Velvet lamp", price=2500)
    assert "Velvet lamp" in page(client, "/search?q=velvet")
    assert "Velvet kettle" not in page(client, "/search?q=velvet")

    make_product(title="Velvet kettle")
    db.session.get(Product, product_id).price = 1500
    db.session.commit()
    release()

    shown = page(client, "/search?q=velvet")
    assert "Velvet kettle" in shown
    assert "$15.00" in shown


def test_the_category_menu_is_shared_and_follows_a_renamed_category(app, app_ctx, client):
    category = db.session.scalars(select(Category).where(Category.parent_id.is_(None))).first()
    category_id, first_name = category.id, category.name
    assert f">{first_name}</a>" in page(client, "/")

    category.name = "Renamed shelf"
    db.session.commit()
    release()
    try:
        shown = page(app.test_client(), "/cart")
    finally:  # the seeded tree outlives the test on PostgreSQL (its wipe keeps it)
        db.session.get(Category, category_id).name = first_name
        db.session.commit()
    assert ">Renamed shelf</a>" in shown
    assert f">{first_name}</a>" not in shown
