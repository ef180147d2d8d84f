"""A buyer reviews each delivered line of their order once, within 60 days of delivery."""

from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from shop.catalog.models import Product
from shop.orders.models import OrderStatus
from shop.reviews.models import Review, ReviewPhoto
from tests.shop.reviews.helpers import delivered_line, photo, post_review


def _reviews() -> int:
    return db.session.scalar(select(func.count(Review.id))) or 0


def test_buyer_reviews_a_delivered_line_with_a_photo(shop, client, auth):
    order_id, line_id = delivered_line(shop.buyer_id, shop.mug)
    auth.login(shop.buyer_email)
    response = post_review(client, order_id, line_id, rating=4, photos=[photo()])
    assert response.status_code == 303
    review = db.session.scalars(select(Review)).one()
    assert (review.rating, review.photo_count, review.product_id) == (4, 1, shop.mug_product)
    assert db.session.scalar(select(func.count(ReviewPhoto.id))) == 1
    product = db.session.get(Product, shop.mug_product)
    assert (product.rating_sum, product.rating_count, product.rating_average) == (4, 1, 4.0)


def test_order_page_offers_write_a_review_on_a_delivered_line(shop, client, auth):
    order_id, line_id = delivered_line(shop.buyer_id, shop.mug)
    auth.login(shop.buyer_email)
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert f"/orders/{order_id}/lines/{line_id}/review" in page
    post_review(client, order_id, line_id)
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Write a review" not in page
    assert "You reviewed this" in page


def test_second_review_of_the_same_line_is_refused(shop, client, auth):
    order_id, line_id = delivered_line(shop.buyer_id, shop.mug)
    auth.login(shop.buyer_email)
    assert post_review(client, order_id, line_id).status_code == 303
    again = post_review(client, order_id, line_id, rating=1)
    assert again.status_code in (303, 409)
    assert _reviews() == 1
    assert db.session.get(Product, shop.mug_product).rating_count == 1


def test_review_before_delivery_is_refused(shop, client, auth):
    order_id, line_id = delivered_line(
        shop.buyer_id, shop.mug, days_ago=None, status=OrderStatus.SHIPPED
    )
    auth.login(shop.buyer_email)
    response = post_review(client, order_id, line_id)
    assert response.status_code == 409
    assert "once it has been delivered" in response.get_data(as_text=True)
    assert _reviews() == 0


def test_review_after_sixty_days_is_refused(shop, client, auth):
    order_id, line_id = delivered_line(
        shop.buyer_id, shop.mug, days_ago=61, status=OrderStatus.COMPLETED
    )
    auth.login(shop.buyer_email)
    response = post_review(client, order_id, line_id)
    assert response.status_code == 409
    assert "window has closed" in response.get_data(as_text=True)
    assert _reviews() == 0


def test_review_on_day_fifty_nine_is_accepted(shop, client, auth):
    order_id, line_id = delivered_line(
        shop.buyer_id, shop.mug, days_ago=59, status=OrderStatus.COMPLETED
    )
    auth.login(shop.buyer_email)
    assert post_review(client, order_id, line_id).status_code == 303


def test_another_buyers_line_is_not_found(shop, client, auth):
    order_id, line_id = delivered_line(shop.other_buyer_id, shop.mug)
    auth.login(shop.buyer_email)
    assert post_review(client, order_id, line_id).status_code == 404
    assert client.get(f"/orders/{order_id}/lines/{line_id}/review").status_code == 404
    assert _reviews() == 0


def test_a_line_of_another_order_is_not_found(shop, client, auth):
    order_id, _ = delivered_line(shop.buyer_id, shop.mug)
    _, other_line = delivered_line(shop.buyer_id, shop.tee_s)
    auth.login(shop.buyer_email)
    assert post_review(client, order_id, other_line).status_code == 404


def test_stars_out_of_range_are_refused_with_a_message(shop, client, auth):
    order_id, line_id = delivered_line(shop.buyer_id, shop.mug)
    auth.login(shop.buyer_email)
    for rating in (0, 6, "five", ""):
        response = post_review(client, order_id, line_id, rating=rating)
        assert response.status_code == 400, rating
        assert "Choose from 1 to 5 stars." in response.get_data(as_text=True)
    assert _reviews() == 0


def test_text_over_the_limit_is_refused(shop, client, auth):
    order_id, line_id = delivered_line(shop.buyer_id, shop.mug)
    auth.login(shop.buyer_email)
    response = post_review(client, order_id, line_id, body="x" * 2001)
    assert response.status_code == 400
    assert _reviews() == 0


def test_a_file_that_is_not_an_image_is_refused(shop, client, auth):
    order_id, line_id = delivered_line(shop.buyer_id, shop.mug)
    auth.login(shop.buyer_email)
    response = post_review(
        client, order_id, line_id, photos=[photo("fake.png", b"<?php echo 1; ?>")]
    )
    assert response.status_code == 400
    assert "not an image we accept" in response.get_data(as_text=True)
    assert _reviews() == 0


def test_more_than_five_photos_are_refused(shop, client, auth):
    order_id, line_id = delivered_line(shop.buyer_id, shop.mug)
    auth.login(shop.buyer_email)
    response = post_review(client, order_id, line_id, photos=[photo(f"{n}.png") for n in range(6)])
    assert response.status_code == 400
    assert "at most 5 photos" in response.get_data(as_text=True)
    assert _reviews() == 0


def test_signed_out_visitor_is_sent_to_sign_in(shop, client):
    order_id, line_id = delivered_line(shop.buyer_id, shop.mug)
    response = client.get(f"/orders/{order_id}/lines/{line_id}/review")
    assert response.status_code in (302, 401)


def test_review_form_page_opens_for_a_delivered_line(shop, client, auth):
    order_id, line_id = delivered_line(shop.buyer_id, shop.mug)
    auth.login(shop.buyer_email)
    page = client.get(f"/orders/{order_id}/lines/{line_id}/review")
    assert page.status_code == 200
    assert "Post review" in page.get_data(as_text=True)


def test_edit_page_opens_with_the_review(shop, client, auth):
    order_id, line_id = delivered_line(shop.buyer_id, shop.mug)
    auth.login(shop.buyer_email)
    post_review(client, order_id, line_id, rating=3, body="Decent mug", photos=[photo()])
    review_id = db.session.scalars(select(Review.id)).one()
    page = client.get(f"/reviews/{review_id}/edit").get_data(as_text=True)
    assert "Decent mug" in page
    assert 'name="remove_photo"' in page
    assert client.get(f"/orders/{order_id}/lines/{line_id}/review").status_code == 302
