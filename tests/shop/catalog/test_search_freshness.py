"""What the uncached search page keeps between requests never shows a stale card.

The search page reads three things kept per catalogue version (``core.web.fragments``): the set
of products a promotion names (``shop.promotions.promoted``), which spares a listing the offer
statements when none of its products is promoted, the cards of the other products
(``shop.catalog.cards``), and the category filter's tree. Each test
loads a search page (so that both are kept), changes what it shows, and loads another query,
which misses the page cache and renders afresh with what was kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import Flask
from freezegun import freeze_time
from markupsafe import Markup
from sqlalchemy import select

from core.extensions import db
from core.types import utcnow
from shop.catalog.cards import card_fragments
from shop.catalog.models import Category, Product, Variant
from shop.promotions import offers, promoted
from shop.promotions.models import FlashDeal
from tests.shop.catalog.helpers import get_page, release
from tests.shop.factories import add_discount, add_flash_deal, category, make_product

SAVING = "shop-promo-badge"


@contextmanager
def _request(app: Flask, path: str) -> Iterator[None]:
    """A request as the server runs it: its own app context (its own ``g``)."""
    with app.app_context(), app.test_request_context(path):
        yield


def _glow(price: int = 2000, **kwargs: object) -> Product:
    return make_product(title="Glow serum", price=price, **kwargs)


def test_a_discount_added_after_the_promoted_set_was_kept_shows_at_once(app_ctx, client):
    product = _glow()
    release()
    shown = get_page(client, "/search?q=glow")
    assert "$20.00" in shown
    assert SAVING not in shown

    add_discount(db.session.get(Product, product.id), percent_bps=5000)
    release()
    shown = get_page(client, "/search?q=glow+serum")
    assert "$10.00" in shown
    assert "−50%" in shown


def test_a_discount_shows_on_search_when_it_starts_and_leaves_when_it_ends(app_ctx, client):
    start = utcnow().replace(microsecond=0)
    product = _glow()
    add_discount(
        product, percent_bps=5000, starts=timedelta(hours=1), ends=timedelta(hours=2), now=start
    )
    release()

    with freeze_time(start) as clock:
        assert "$10.00" not in get_page(client, "/search?q=glow")
        clock.tick(timedelta(hours=1, seconds=1))
        assert "$10.00" in get_page(client, "/search?q=glow+serum")
        clock.tick(timedelta(hours=1))
        shown = get_page(client, "/search?q=serum")
        assert "$10.00" not in shown
        assert SAVING not in shown


def test_a_flash_deal_badge_leaves_search_when_the_deal_ends(app_ctx, client):
    start = utcnow().replace(microsecond=0)
    product = _glow()
    add_flash_deal(product.variants[0], 900, ends=timedelta(minutes=30), now=start)
    release()

    with freeze_time(start) as clock:
        shown = get_page(client, "/search?q=glow")
        assert "Flash deal" in shown
        assert "$9.00" in shown
        clock.tick(timedelta(minutes=31))
        shown = get_page(client, "/search?q=glow+serum")
        assert "Flash deal" not in shown
        assert "$9.00" not in shown


def test_a_flash_deal_ended_early_leaves_search_at_once(app_ctx, client):
    product = _glow()
    deal_id = add_flash_deal(product.variants[0], 900).id
    release()
    assert "Flash deal" in get_page(client, "/search?q=glow")

    db.session.get(FlashDeal, deal_id).ended_at = utcnow()
    db.session.commit()
    assert "Flash deal" not in get_page(client, "/search?q=glow+serum")


def test_a_new_price_and_a_hidden_product_show_on_search_at_once(app_ctx, client):
    product = _glow()
    release()
    assert "$20.00" in get_page(client, "/search?q=glow")

    db.session.get(Product, product.id).price = 1500
    db.session.query(Variant).filter_by(product_id=product.id).update({"price": 1500})
    db.session.commit()
    shown = get_page(client, "/search?q=glow+serum")
    assert "$15.00" in shown
    assert "$20.00" not in shown

    db.session.get(Product, product.id).status = "draft"
    db.session.commit()
    assert "Glow serum" not in get_page(client, "/search?q=serum")


def test_a_renamed_category_shows_in_the_search_filter_at_once(app_ctx, client):
    _glow()
    release()
    kept = category()
    old_name = kept.name
    assert old_name in get_page(client, "/search?q=glow")
    try:
        db.session.get(Category, kept.id).name = "Renamed skincare"
        db.session.commit()
        shown = get_page(client, "/search?q=glow+serum")
        assert "Renamed skincare" in shown
        # The kept tree filters too: the renamed category still narrows the results.
        assert "Glow serum" in get_page(client, f"/search?q=glow&category={kept.slug}")
    finally:
        db.session.get(Category, kept.id).name = old_name
        db.session.commit()


def test_the_promoted_set_spares_unpromoted_pages_their_statements(app, app_ctx, count_queries):
    plain = _glow()
    discounted = _glow(price=3000)
    add_discount(discounted, percent_bps=1000)
    plain_id, discounted_id = plain.id, discounted.id
    release()
    app.config["PAGE_CACHE_SECONDS"] = 300  # count_queries turned the cache off
    with _request(app, "/search?q=glow"):
        assert offers.product_offers([plain_id]) == {}  # reads the set: one statement
    count_queries.statements.clear()
    with _request(app, "/search?q=serum"):
        assert offers.product_offers([plain_id]) == {}
        assert count_queries.statements == []
        found = offers.product_offers([plain_id, discounted_id])
    assert list(found) == [discounted_id]
    assert found[discounted_id].price == 2700
    assert count_queries.count == 3  # discounts, flash deals, the options concerned


def test_a_moment_before_the_set_was_read_is_read_live(app, app_ctx):
    product = _glow()
    add_discount(product, percent_bps=5000, starts=-timedelta(hours=2), ends=-timedelta(hours=1))
    product_id = product.id
    release()
    with _request(app, "/search?q=glow"):
        assert offers.product_offers([product_id]) == {}  # ended: not in the kept set
        kept = promoted.promoted_products(utcnow())
        assert kept is not None
        assert product_id not in kept
        assert promoted.promoted_products(utcnow() - promoted.MARGIN / 2) is not None
        earlier = utcnow() - timedelta(hours=1, minutes=30)  # while it ran
        assert promoted.promoted_products(earlier) is None
        assert offers.product_offers([product_id], now=earlier)[product_id].price == 1000


def test_the_set_is_not_kept_with_the_page_cache_off(app, app_ctx, count_queries):
    product_id = _glow().id
    release()
    count_queries.statements.clear()
    with _request(app, "/search?q=glow"):
        assert promoted.promoted_products(utcnow()) is None
        assert offers.product_offers([product_id]) == {}
    assert count_queries.count == 2  # discounts and flash deals, read live as before
    assert db.session.scalar(select(Product.title).where(Product.id == product_id))


def test_a_card_is_kept_per_version_and_only_for_a_product_no_promotion_names(app, app_ctx):
    plain = _glow()
    later = _glow(price=3000)
    add_discount(later, percent_bps=1000, starts=timedelta(days=1), ends=timedelta(days=2))
    plain_id, later_id = plain.id, later.id
    release()
    with _request(app, "/search?q=glow"):
        cards = card_fragments()
        plain, later = db.session.get(Product, plain_id), db.session.get(Product, later_id)
        assert cards.keep(plain, 3, True, Markup("<p>plain</p>")) == Markup("<p>plain</p>")
        cards.keep(later, 3, True, Markup("<p>later</p>"))
        assert cards.get(plain, 3, True) == Markup("<p>plain</p>")
        assert cards.get(plain, 2, True) is None  # another heading level: another card
        assert cards.get(later, 3, True) is None  # a promotion to come: rendered every time
    db.session.get(Product, plain_id).sold_count = 7
    db.session.commit()
    with _request(app, "/search?q=serum"):
        assert card_fragments().get(db.session.get(Product, plain_id), 3, True) is None


def test_the_search_page_keeps_the_card_it_rendered(app, app_ctx, client):
    product_id = _glow().id
    release()
    shown = get_page(client, "/search?q=glow")
    with _request(app, "/search?q=serum"):
        card = card_fragments().get(db.session.get(Product, product_id), 3, True)
    assert card is not None
    assert f"/p/{product_id}" in card
    assert str(card) in shown
    assert str(card) in get_page(client, "/search?q=serum")


def test_nothing_is_kept_with_the_page_cache_off(app, app_ctx):
    product_id = _glow().id
    release()
    app.config["PAGE_CACHE_SECONDS"] = 0
    try:
        with _request(app, "/search?q=glow"):
            product = db.session.get(Product, product_id)
            card_fragments().keep(product, 3, True, Markup("<p>card</p>"))
            assert card_fragments().get(product, 3, True) is None
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 300
