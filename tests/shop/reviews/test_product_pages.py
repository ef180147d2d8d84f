"""Product pages show the average, count, distribution and a page of reviews (newest, most
helpful, with photos); cards show the average; the catalogue sorts by rating; the Seller
centre shows the negative-review rate. Pages listing reviews run a constant number of
statements."""

from __future__ import annotations

import re

from core.accounts.models import User
from core.extensions import db
from shop.catalog import images
from shop.catalog.models import Product
from shop.orders.models import Order
from shop.reviews import services
from shop.reviews.models import Review
from tests.factories import make_user
from tests.shop.catalog.helpers import png
from tests.shop.catalog.test_buyer_query_counts import statements_for
from tests.shop.factories import make_product, make_store
from tests.shop.reviews.helpers import delivered_line


class _Image:
    def __init__(self) -> None:
        processed = images.process_bytes(png())
        self.path, self.thumb_path = processed.path, processed.thumb_path
        self.width, self.height = processed.width, processed.height


def review(variant_id: int, rating: int, *, body: str = "", with_photo: bool = False) -> Review:
    """A review of ``variant_id`` by a new buyer, through the service."""
    buyer = make_user()
    order_id, line_id = delivered_line(buyer.id, variant_id)
    order = db.session.get(Order, order_id)
    line = next(line for line in order.lines if line.id == line_id)
    written = services.write_review(
        order,
        line,
        db.session.get(User, buyer.id),
        rating=rating,
        body=body,
        photos=[_Image()] if with_photo else [],
    )
    db.session.commit()
    return written


def test_average_count_and_distribution(shop, client):
    for rating in (5, 5, 4, 1):
        review(shop.mug, rating)
    product = db.session.get(Product, shop.mug_product)
    assert (product.rating_sum, product.rating_count, product.rating_avg_centi) == (15, 4, 375)
    page = client.get(f"/p/{shop.mug_product}").get_data(as_text=True)
    assert re.search(r'review-average">3\.8<', page)
    assert "4 reviews" in page
    counts = dict(re.findall(r'data-stars="(\d)">(\d+)<', page))
    assert counts == {"5": "2", "4": "1", "3": "0", "2": "0", "1": "1"}


def test_average_rounds_half_up(shop):
    for rating in (5, 4, 4):  # 4.333… stars
        review(shop.mug, rating)
    assert db.session.get(Product, shop.mug_product).rating_avg_centi == 433
    review(shop.mug, 4)  # 17 / 4 = 4.25
    assert db.session.get(Product, shop.mug_product).rating_avg_centi == 425


def test_reviews_sort_by_most_helpful_and_filter_with_photos(shop, client):
    plain = review(shop.mug, 5, body="Plain words")
    pictured = review(shop.mug, 4, body="Look at this", with_photo=True)
    plain.helpful_count = 3
    db.session.commit()
    newest = client.get(f"/p/{shop.mug_product}").get_data(as_text=True)
    assert newest.index("Look at this") < newest.index("Plain words")
    helpful = client.get(f"/p/{shop.mug_product}?reviews=helpful").get_data(as_text=True)
    assert helpful.index("Plain words") < helpful.index("Look at this")
    photos = client.get(f"/p/{shop.mug_product}?photos=1").get_data(as_text=True)
    assert "Look at this" in photos
    assert "Plain words" not in photos
    assert pictured.photo_count == 1


def test_reviews_are_paginated(shop, client):
    for n in range(12):
        review(shop.mug, 5, body=f"Review number {n:02d}")
    first = client.get(f"/p/{shop.mug_product}").get_data(as_text=True)
    second = client.get(f"/p/{shop.mug_product}?rpage=2").get_data(as_text=True)
    assert first.count('class="border-top py-3 review-item"') == 10
    assert second.count('class="border-top py-3 review-item"') == 2


def test_cards_show_the_average(shop, client):
    review(shop.mug, 4)
    page = client.get(f"/s/{db.session.get(Product, shop.mug_product).store.handle}")
    assert "shop-card-rating" in page.get_data(as_text=True)


def test_catalogue_sorts_by_rating(app_ctx, client):
    store = make_store()
    low, high, none = (make_product(store, title=t) for t in ("Low", "High", "Unrated"))
    low_variant, high_variant = low.variants[0].id, high.variants[0].id
    review(low_variant, 2)
    review(high_variant, 5)
    page = client.get(f"/s/{store.handle}?sort=rating").get_data(as_text=True)
    assert page.index(">High<") < page.index(">Low<") < page.index(">Unrated<")
    assert none.id  # listed last: no reviews


def test_seller_centre_shows_the_negative_review_rate(shop, client, auth):
    for rating in (1, 2, 5, 5):
        review(shop.mug, rating)
    auth.login("ada@example.com")
    home = client.get("/seller/").get_data(as_text=True)
    assert re.search(r'id="stat-negative-reviews">50\.0%<', home)
    reviews = client.get("/seller/reviews").get_data(as_text=True)
    assert "2 of 4 visible reviews" in reviews


def test_product_page_statements_do_not_grow_with_reviews(shop, client, count_queries):
    few_store = make_store()
    few = make_product(few_store)
    many = make_product(few_store)
    few_variant, many_variant = few.variants[0].id, many.variants[0].id
    few_id, many_id = few.id, many.id
    for _ in range(2):
        review(few_variant, 5, with_photo=True)
    for _ in range(12):
        review(many_variant, 4, with_photo=True)
    db.session.commit()
    few_count = statements_for(client, count_queries, f"/p/{few_id}")
    many_count = statements_for(client, count_queries, f"/p/{many_id}")
    assert few_count == many_count, count_queries.statements


def test_seller_reviews_page_statements_do_not_grow(shop, client, auth, count_queries):
    review(shop.mug, 5, with_photo=True)
    auth.login("ada@example.com")
    few = statements_for(client, count_queries, "/seller/reviews")
    for _ in range(8):
        review(shop.tee_s, 3, with_photo=True)
    many = statements_for(client, count_queries, "/seller/reviews")
    assert few == many, count_queries.statements
