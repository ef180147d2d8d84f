"""The buyer's pages with promotions: struck prices and badges on cards, per-option prices
and the flash deal countdown on the product page, collecting vouchers, the wallet, and a
constant number of statements whatever the number of promotions."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from shop.promotions import vouchers
from shop.promotions.models import VoucherCollection, VoucherRedemption
from tests.conftest import Auth, csrf_token
from tests.factories import PASSWORD, make_user
from tests.shop.catalog.helpers import get_page, listed_ids, release
from tests.shop.catalog.test_buyer_query_counts import statements_for
from tests.shop.factories import (
    add_discount,
    add_flash_deal,
    add_voucher,
    make_order,
    make_product,
    make_store,
)

HOUR = timedelta(hours=1)


def collections() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(VoucherCollection))


def card_of(page: str, product_id: int) -> str:
    """The markup of one product card on a listing page."""
    start = page.index(f'href="/p/{product_id}"')
    return page[page.rindex("<article", 0, start) : page.index("</article>", start)]


# ---------------------------------------------------------------------------- cards


def test_cards_show_the_price_after_a_discount_with_the_list_price_struck(app_ctx, client):
    now = utcnow()
    discounted = make_product(title="Glow serum", price=2_000)
    add_discount(discounted, percent_bps=1500, now=now)
    plain = make_product(title="Glow balm", price=1_500)
    discounted_id, plain_id = discounted.id, plain.id
    release()

    page = get_page(client, "/search?q=glow")

    card = card_of(page, discounted_id)
    assert "$17.00" in card
    assert re.search(r"<s [^>]*>.*\$20\.00</s>", card)
    assert "−15%" in card
    assert "Flash deal" not in card
    plain_card = card_of(page, plain_id)
    assert "$15.00" in plain_card
    assert "<s " not in plain_card
    assert "−" not in plain_card


def test_cards_badge_a_flash_deal_on_every_listing(app_ctx, client):
    now = utcnow()
    store = make_store(handle="deals")
    product = make_product(store, title="Desk lamp", price=5_000, featured=True)
    add_flash_deal(product.variants[0], 2_900, now=now)
    product_id = product.id
    release()

    for url in ("/", "/c/beauty", "/search?q=lamp", "/s/deals"):
        card = card_of(get_page(client, url), product_id)
        assert "Flash deal" in card, url
        assert "$29.00" in card, url
        assert "−42%" in card, url


def test_ended_and_scheduled_promotions_leave_the_card_alone(app_ctx, client):
    now = utcnow()
    product = make_product(title="Quiet kettle", price=4_000)
    add_discount(product, percent_bps=5000, ended=-HOUR, now=now)
    add_discount(product, percent_bps=5000, starts=HOUR, now=now)
    add_flash_deal(product.variants[0], 100, quantity=2, sold=2, now=now)
    product_id = product.id
    release()

    card = card_of(get_page(client, "/search?q=kettle"), product_id)
    assert "$40.00" in card
    assert "<s " not in card
    assert "Flash deal" not in card


# ---------------------------------------------------------------------------- product page


def test_the_product_page_shows_each_options_price_and_the_flash_deal_countdown(app_ctx, client):
    now = utcnow()
    product = make_product(title="Wool scarf", variants=3, price=6_000)
    small, medium, large = product.variants
    add_discount(product, amount_off=1_000, variant=medium, now=now)
    deal = add_flash_deal(small, 3_000, quantity=20, sold=8, now=now)
    ends_at = deal.ends_at
    ids = (product.id, small.id, medium.id, large.id)
    release()

    page = get_page(client, f"/p/{ids[0]}")

    iso = ends_at.isoformat()
    assert f'data-countdown="{iso}"' in page
    assert f'datetime="{iso}"' in page
    assert f"ends {ends_at.day} {ends_at:%b, %H:%M} UTC" in page  # the text without JavaScript
    assert "12 left" in page
    assert "js/countdown.js" in page
    assert "<script>" not in page  # strict CSP: no inline script

    option = {v: page[page.index(f'for="variant-{v}"') :] for v in ids[1:]}
    small_row = option[ids[1]][: option[ids[1]].index("</label>")]
    medium_row = option[ids[2]][: option[ids[2]].index("</label>")]
    large_row = option[ids[3]][: option[ids[3]].index("</label>")]
    assert "$30.00" in small_row
    assert "Save $30.00" in small_row
    assert "Flash deal · 12 left" in small_row
    assert "$50.00" in medium_row
    assert "Save $10.00" in medium_row
    assert "Flash deal" not in medium_row
    assert "$60.00" in large_row
    assert "Save" not in large_row
    assert "You save $30.00 (50%)" in page


def test_the_product_page_without_offers_is_unchanged(app_ctx, client):
    product_id = make_product(title="Plain mug", price=1_200).id
    release()

    page = get_page(client, f"/p/{product_id}")
    assert "$12.00" in page
    assert "data-countdown" not in page
    assert "You save" not in page
    assert "Vouchers" not in page


# ---------------------------------------------------------------------------- vouchers


def test_store_and_product_pages_list_the_stores_public_vouchers(app_ctx, client):
    now = utcnow()
    store = make_store(handle="glow")
    product = make_product(store)
    add_voucher(store, percent_bps=1000, cap_amount=2_000, min_spend=5_000, now=now)
    add_voucher(store, amount_off=300, products=[make_product(store)], now=now)
    add_voucher(store, amount_off=700, public=False, now=now, code="SECRET7")
    product_id = product.id
    release()

    store_page = get_page(client, "/s/glow")
    assert "10% off, up to $20, orders of $50 or more" in store_page
    assert "$3 off, selected products" in store_page
    assert "SECRET7" not in store_page
    assert "$7 off" not in store_page
    assert store_page.count(">Collect<") == 2

    product_page = get_page(client, f"/p/{product_id}")
    assert "10% off, up to $20, orders of $50 or more" in product_page
    assert "$3 off" not in product_page  # for another product
    assert f'name="next" value="/p/{product_id}"' in product_page


def collect_form(page: str) -> tuple[str, str]:
    match = re.search(r'<form method="post" action="(/vouchers/\d+/collect)">', page)
    assert match
    return match.group(1), re.search(r'name="next" value="([^"]*)"', page).group(1)


def test_collecting_signed_out_sends_the_buyer_to_sign_in_and_back(app_ctx, client):
    store = make_store(handle="glow")
    add_voucher(store, now=utcnow())
    release()

    action, back = collect_form(get_page(client, "/s/glow"))
    response = client.post(action, data={"csrf_token": csrf_token(client), "next": back})

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/s/glow"]
    assert collections() == 0


def test_collecting_needs_the_csrf_token(app_ctx, client):
    buyer = make_user(Role.BUYER)
    voucher = add_voucher(make_store(), now=utcnow())
    email, voucher_id = buyer.email, voucher.id
    release()
    Auth(client).login(email, PASSWORD)

    response = client.post(f"/vouchers/{voucher_id}/collect", data={"next": "/"})

    assert response.status_code == 400
    assert collections() == 0


def test_a_signed_in_buyer_collects_once_and_sees_collected(app_ctx, client):
    store = make_store(handle="glow")
    add_voucher(store, percent_bps=1000, now=utcnow())
    email = make_user(Role.BUYER).email
    release()
    Auth(client).login(email, PASSWORD)

    action, back = collect_form(get_page(client, "/s/glow"))
    token = csrf_token(client)
    first = client.post(action, data={"csrf_token": token, "next": back})
    second = client.post(action, data={"csrf_token": token, "next": back})

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == "/s/glow"
    assert collections() == 1
    page = get_page(client, "/s/glow")
    assert "Collected" in page
    assert ">Collect<" not in page
    assert "Voucher collected" in page


def test_only_running_public_vouchers_can_be_collected(app_ctx, client):
    now = utcnow()
    store = make_store()
    private = add_voucher(store, public=False, now=now).id
    ended = add_voucher(store, ended=-HOUR, now=now).id
    scheduled = add_voucher(store, starts=HOUR, now=now).id
    email = make_user(Role.BUYER).email
    release()
    Auth(client).login(email, PASSWORD)
    token = csrf_token(client)

    def collect(voucher_id: int):
        return client.post(
            f"/vouchers/{voucher_id}/collect", data={"csrf_token": token, "next": "/"}
        )

    assert collect(private).status_code == 404
    assert collect(987_654).status_code == 404
    refused = collect(ended)
    assert refused.status_code == 302
    assert "This voucher has ended." in get_page(client, "/")
    assert collect(scheduled).status_code == 302
    assert collections() == 0


def test_collecting_never_redirects_off_the_site(app_ctx, client):
    voucher_id = add_voucher(make_store(), now=utcnow()).id
    email = make_user(Role.BUYER).email
    release()
    Auth(client).login(email, PASSWORD)

    response = client.post(
        f"/vouchers/{voucher_id}/collect",
        data={"csrf_token": csrf_token(client), "next": "//evil.example/"},
    )
    assert response.headers["Location"] == "/"


# ---------------------------------------------------------------------------- wallet


def test_the_wallet_lists_collected_vouchers_with_their_state(app_ctx, client):
    now = utcnow()
    store = make_store(name="Glow Lab")
    buyer = make_user(Role.BUYER)
    usable = add_voucher(store, percent_bps=1000, now=now, code="USEME10")
    used = add_voucher(store, amount_off=500, now=now, code="USED5")
    expired = add_voucher(store, amount_off=200, now=now, code="GONE2")
    for voucher in (usable, used, expired):
        vouchers.collect(buyer.id, voucher.id)
    expired.ended_at = now - timedelta(seconds=1)
    product = make_product(store)
    order = make_order(buyer, [(product.variants[0], 1)])
    db.session.add(
        VoucherRedemption(voucher_id=used.id, buyer_id=buyer.id, order_id=order.id, amount=500)
    )
    db.session.commit()
    email = buyer.email
    release()
    Auth(client).login(email, PASSWORD)

    account = get_page(client, "/account")
    assert 'href="/account/vouchers"' in account
    page = get_page(client, "/account/vouchers")
    ready, rest = page.split("Used and expired")
    assert "USEME10" in ready
    assert "Ready to use" in ready
    assert "USED5" in rest
    assert ">Used<" in rest
    assert "GONE2" in rest
    assert ">Expired<" in rest
    assert "Glow Lab" in page


def test_the_wallet_needs_sign_in_and_has_an_empty_state(app_ctx, client):
    response = client.get("/account/vouchers")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]

    email = make_user(Role.BUYER).email
    release()
    Auth(client).login(email, PASSWORD)
    assert "No vouchers yet" in get_page(client, "/account/vouchers")


# ---------------------------------------------------------------------------- statement counts


def test_search_statements_do_not_grow_with_promotions(app_ctx, client, count_queries):
    now = utcnow()
    store = make_store()
    for n in range(2):
        product = make_product(store, title=f"Alpha serum {n}", variants=2)
        add_discount(product, percent_bps=1000, now=now)
    for n in range(20):
        product = make_product(store, title=f"Beta lamp {n}", variants=3)
        add_discount(product, percent_bps=1000 + n, now=now)
        add_discount(product, amount_off=100, variant=product.variants[1], now=now)
        add_flash_deal(product.variants[0], 500, now=now)
    release()

    few = statements_for(client, count_queries, "/search?q=alpha")
    many = statements_for(client, count_queries, "/search?q=beta")
    assert few == many, count_queries.statements
    page = client.get("/search?q=beta").get_data(as_text=True)
    assert len(listed_ids(page)) == 20
    assert page.count("Flash deal") == 20


def test_store_and_product_statements_do_not_grow_with_promotions(app_ctx, client, count_queries):
    now = utcnow()
    small, big = make_store(handle="small"), make_store(handle="big")
    for _ in range(2):
        product = make_product(small, variants=2, featured=True)
        add_discount(product, percent_bps=1000, now=now)
        add_flash_deal(product.variants[1], 500, now=now)
        add_voucher(small, now=now)
    small_product = product.id
    for n in range(20):
        product = make_product(big, variants=3, featured=True)
        add_discount(product, percent_bps=1000, now=now)
        add_flash_deal(product.variants[n % 3], 500, now=now)
        add_voucher(big, products=[product], now=now)
        add_voucher(big, percent_bps=500 + n, now=now)
    big_product = product.id
    buyer = make_user(Role.BUYER)
    for voucher_id in (v.id for v in vouchers.public_vouchers(big.id)):
        vouchers.collect(buyer.id, voucher_id)
    db.session.commit()
    email = buyer.email
    release()

    for signed_in in (False, True):
        if signed_in:
            Auth(client).login(email, PASSWORD)
        few = statements_for(client, count_queries, "/s/small")
        many = statements_for(client, count_queries, "/s/big")
        assert few == many, (signed_in, count_queries.statements)
        few = statements_for(client, count_queries, f"/p/{small_product}")
        many = statements_for(client, count_queries, f"/p/{big_product}")
        assert few == many, (signed_in, count_queries.statements)
    assert "Collected" in get_page(client, "/s/big")


def test_product_offers_are_computed_once_per_page(app_ctx, client, count_queries):
    """Two grids on the store page (featured and all) share one batch of offer reads."""
    now = utcnow()
    store = make_store(handle="two-grids")
    for _ in range(3):
        add_discount(make_product(store, featured=True), percent_bps=1000, now=now)
    release()

    statements_for(client, count_queries, "/s/two-grids")
    flash_reads = [s for s in count_queries.statements if "FROM flash_deal" in s]
    assert len(flash_reads) == 1, flash_reads
