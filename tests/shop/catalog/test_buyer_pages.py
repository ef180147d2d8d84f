"""Home, category, product and store pages: what they list, their filters and their 404s."""

from __future__ import annotations

import re

import pytest

from shop.catalog.models import ProductStatus
from tests.shop.catalog.helpers import add_images, get_page, listed_ids, release
from tests.shop.factories import category, make_product, make_store


def variant_input(page: str, variant_id: int) -> str:
    """The radio input of one variant in the product page's picker."""
    match = re.search(rf'<input[^>]*name="variant_id"[^>]*value="{variant_id}"[^>]*>', page)
    assert match, variant_id
    return match.group(0)


def test_home_lists_featured_and_newest_active_products(app_ctx, client):
    featured = make_product(title="Featured glow serum", featured=True).id
    newest = make_product(title="Plain lip balm").id
    make_product(title="Hidden draft", status=ProductStatus.DRAFT.value, featured=True)
    make_product(title="Old archived", status=ProductStatus.ARCHIVED.value)
    release()

    page = get_page(client, "/")
    assert set(listed_ids(page)) == {featured, newest}
    assert "Featured" in page
    assert "New arrivals" in page
    assert "Hidden draft" not in page
    assert "Old archived" not in page
    assert "yellow cart" in page
    assert 'href="/c/beauty"' in page


def test_home_without_products_shows_an_empty_state(client):
    page = get_page(client, "/")
    assert "No products yet" in page
    assert "Where to start" in page


def test_navbar_has_a_search_box_and_categories(client):
    page = get_page(client, "/")
    assert 'action="/search"' in page
    assert 'name="q"' in page
    assert 'href="/c/electronics-audio"' in page


def test_a_parent_category_lists_its_childrens_products(app_ctx, client):
    skincare = make_product(category=category("beauty-skincare")).id
    makeup = make_product(category=category("beauty-makeup")).id
    make_product(category=category("home-decor"))
    make_product(category=category("beauty-makeup"), status=ProductStatus.DRAFT.value)
    release()

    assert sorted(listed_ids(get_page(client, "/c/beauty"))) == sorted([skincare, makeup])
    page = get_page(client, "/c/beauty-makeup")
    assert listed_ids(page) == [makeup]
    assert 'href="/c/beauty"' in page  # breadcrumbs up to the parent


def test_an_empty_category_says_so(client):
    assert "Nothing here yet" in get_page(client, "/c/sports-cycling")


def test_category_filters_by_price_and_sorts(app_ctx, client):
    store = make_store()
    cheap = make_product(store, price=500, sold_count=2).id
    middle = make_product(store, price=1500, sold_count=9).id
    dear = make_product(store, price=4500).id
    release()

    assert listed_ids(get_page(client, "/c/beauty?min=5&max=15")) == [middle, cheap]
    assert listed_ids(get_page(client, "/c/beauty?min=15.50")) == [dear]
    assert listed_ids(get_page(client, "/c/beauty?max=%2415.00")) == [middle, cheap]
    assert listed_ids(get_page(client, "/c/beauty?sort=price_asc")) == [cheap, middle, dear]
    assert listed_ids(get_page(client, "/c/beauty?sort=price_desc")) == [dear, middle, cheap]
    assert listed_ids(get_page(client, "/c/beauty?sort=best_selling")) == [middle, cheap, dear]
    assert listed_ids(get_page(client, "/c/beauty")) == [dear, middle, cheap]  # newest first


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("min=abc", "is not an amount"),
        ("max=-5", "cannot be negative"),
        ("min=1.999", "is not an amount"),
        ("min=" + "9" * 40, "is not an amount"),
        ("min=12,50", "is not an amount"),
        ("min=30&max=10", "were swapped"),
    ],
)
def test_bad_price_filters_are_ignored_with_a_message(app_ctx, client, query, message):
    make_product(price=2000)
    release()
    page = get_page(client, f"/c/beauty?{query}")
    assert message in page
    assert len(listed_ids(page)) == 1


@pytest.mark.parametrize(
    "query", ["sort=bogus", "page=abc", "page=-1", "page=0", "page=99999999999", "sort=relevance"]
)
def test_bad_sort_and_page_values_fall_back(app_ctx, client, query):
    make_product()
    release()
    get_page(client, f"/c/beauty?{query}")
    get_page(client, f"/search?q=product&{query}")


def test_category_pages_keep_their_slug_and_filters_in_page_links(app_ctx, client):
    store = make_store()
    for _ in range(30):
        make_product(store, price=1000)
    release()

    first = get_page(client, "/c/beauty?min=5&sort=price_asc")
    assert len(listed_ids(first)) == 24
    assert "/c/beauty?min=5&amp;sort=price_asc&amp;page=2" in first
    second = get_page(client, "/c/beauty?min=5&sort=price_asc&page=2")
    assert len(listed_ids(second)) == 6
    assert not set(listed_ids(first)) & set(listed_ids(second))


def test_unknown_pages_are_404(app_ctx, client):
    draft = make_product(status=ProductStatus.DRAFT.value).id
    archived = make_product(status=ProductStatus.ARCHIVED.value).id
    release()
    for url in ("/p/999999", f"/p/{draft}", f"/p/{archived}", "/c/no-such", "/s/no-such"):
        assert client.get(url).status_code == 404, url


def test_product_page_shows_price_variants_stock_store_and_breadcrumbs(app, app_ctx, client):
    store = make_store(name="Glow Lab", handle="glow-lab")
    product = make_product(
        store,
        title="Vitamin C serum",
        description="Brightens.\nDaily use.",
        variants=3,
        price=1500,
        compare_at_price=2500,
        category=category("beauty-skincare"),
    )
    small, medium, large = product.variants
    medium.stock = 3
    large.stock = 0
    add_images(product, 3)
    ids = (product.id, small.id, medium.id, large.id)
    release()

    page = get_page(client, f"/p/{ids[0]}")
    assert "Vitamin C serum" in page
    assert "$15.00" in page
    assert "<s" in page
    assert "$25.00" in page
    assert "In stock" in page
    assert "Only 3 left" in page
    assert "Sold out" in page
    assert "checked" in variant_input(page, ids[1])
    assert "disabled" not in variant_input(page, ids[1])
    assert "checked" not in variant_input(page, ids[2])
    assert "disabled" in variant_input(page, ids[3])
    assert 'href="/s/glow-lab"' in page
    assert "Glow Lab" in page
    assert 'href="/c/beauty"' in page
    assert 'href="/c/beauty-skincare"' in page
    assert "Brightens." in page
    assert 'alt="Vitamin C serum, image 1 of 3"' in page
    if "shop.cart_add" in app.view_functions:
        assert 'name="buy_now" value="1"' in page
        assert 'name="quantity"' in page


def test_a_sold_out_product_cannot_be_added(app_ctx, client):
    product_id = make_product(title="Rare vinyl", stock=0).id
    release()
    page = get_page(client, f"/p/{product_id}")
    assert "Sold out" in page
    assert "Add to cart" not in page


def test_store_page_lists_its_active_products_with_featured_first(app_ctx, client):
    store = make_store(name="Glow Lab", handle="glow-lab", description="Clean skincare.")
    featured = make_product(store, title="Star serum", featured=True).id
    plain = make_product(store, title="Plain toner", price=900).id
    make_product(store, title="Draft mask", status=ProductStatus.DRAFT.value)
    other = make_product(title="Another store's product").id
    release()

    page = get_page(client, "/s/glow-lab")
    assert "Glow Lab" in page
    assert "Clean skincare." in page
    ids = listed_ids(page)
    assert ids[0] == featured  # the featured row comes before all products
    assert set(ids) == {featured, plain}
    assert other not in ids
    assert "Draft mask" not in page
    sorted_page = get_page(client, "/s/glow-lab?sort=price_asc")
    assert listed_ids(sorted_page.split('id="store-all"')[1]) == [plain, featured]


def test_a_store_without_products_shows_an_empty_state(app_ctx, client):
    make_store(handle="empty-shop")
    release()
    assert "No products yet" in get_page(client, "/s/empty-shop")
