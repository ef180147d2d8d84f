"""After a review is posted: the author edits it for 7 days, the seller answers once, buyers
mark it helpful once each, staff hide it with an audited reason; a refunded line's review is
marked as such."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from core.notifications.models import Notification
from core.types import utcnow
from shop.catalog.models import Product
from shop.orders.models import LineStatus, OrderLine
from shop.reviews.models import Review, ReviewPhoto
from tests.conftest import post_form
from tests.factories import make_user
from tests.shop.reviews.helpers import delivered_line, photo, post_review


def _review(shop, client, auth, rating: int = 4) -> int:
    order_id, line_id = delivered_line(shop.buyer_id, shop.mug)
    auth.login(shop.buyer_email)
    assert post_review(client, order_id, line_id, rating=rating).status_code == 303
    return db.session.scalars(select(Review.id)).one()


def _age(review_id: int, days: int) -> None:
    db.session.execute(
        update(Review)
        .where(Review.id == review_id)
        .values(created_at=utcnow() - timedelta(days=days))
    )
    db.session.commit()


def test_author_edits_within_seven_days_and_the_average_follows(shop, client, auth):
    review_id = _review(shop, client, auth, rating=4)
    _age(review_id, 6)
    response = post_form(
        client, f"/reviews/{review_id}/edit", {"rating": "2", "body": "It chipped."}
    )
    assert response.status_code == 303
    review = db.session.get(Review, review_id)
    assert (review.rating, review.body) == (2, "It chipped.")
    assert review.edited_at is not None
    product = db.session.get(Product, shop.mug_product)
    assert (product.rating_sum, product.rating_count) == (2, 1)


def test_edit_after_seven_days_is_refused(shop, client, auth):
    review_id = _review(shop, client, auth, rating=4)
    _age(review_id, 8)
    response = post_form(client, f"/reviews/{review_id}/edit", {"rating": "1", "body": "x"})
    assert response.status_code == 409
    assert db.session.get(Review, review_id).rating == 4


def test_another_buyer_cannot_edit_a_review(shop, client, auth):
    review_id = _review(shop, client, auth)
    auth.logout()
    auth.login(shop.other_email)
    assert client.get(f"/reviews/{review_id}/edit").status_code == 404
    response = post_form(client, f"/reviews/{review_id}/edit", {"rating": "1", "body": "x"})
    assert response.status_code == 404


def test_seller_answers_once(shop, client, auth):
    review_id = _review(shop, client, auth)
    auth.logout()
    auth.login("ada@example.com")
    first = post_form(client, f"/seller/reviews/{review_id}/answer", {"reply": "Thank you!"})
    assert first.status_code == 303
    second = post_form(client, f"/seller/reviews/{review_id}/answer", {"reply": "Again"})
    assert second.status_code == 409
    assert db.session.get(Review, review_id).reply == "Thank you!"
    page = client.get(f"/p/{shop.mug_product}").get_data(as_text=True)
    assert "Thank you!" in page


def test_seller_cannot_answer_another_stores_review(shop, client, auth):
    review_id = _review(shop, client, auth)
    auth.logout()
    auth.login("bo@example.com")
    response = post_form(client, f"/seller/reviews/{review_id}/answer", {"reply": "Hi"})
    assert response.status_code == 404
    assert db.session.get(Review, review_id).reply is None


def test_empty_answer_is_refused(shop, client, auth):
    review_id = _review(shop, client, auth)
    auth.logout()
    auth.login("ada@example.com")
    response = post_form(client, f"/seller/reviews/{review_id}/answer", {"reply": "  "})
    assert response.status_code == 400
    assert db.session.get(Review, review_id).reply is None


def test_buyers_mark_helpful_once_each(shop, client, auth):
    review_id = _review(shop, client, auth)
    auth.logout()
    auth.login(shop.other_email)
    assert post_form(client, f"/reviews/{review_id}/helpful").status_code == 303
    assert post_form(client, f"/reviews/{review_id}/helpful").status_code == 409
    assert db.session.get(Review, review_id).helpful_count == 1


def test_author_cannot_mark_their_own_review_helpful(shop, client, auth):
    review_id = _review(shop, client, auth)
    assert post_form(client, f"/reviews/{review_id}/helpful").status_code == 400
    assert db.session.get(Review, review_id).helpful_count == 0


def test_staff_hide_a_review_with_an_audited_reason(shop, client, auth):
    review_id = _review(shop, client, auth, rating=1)
    make_user(Role.ADMIN, email="root@example.com")
    auth.logout()
    auth.login("root@example.com")
    response = post_form(client, f"/reviews/{review_id}/hide", {"reason": "Abusive language"})
    assert response.status_code == 303
    review = db.session.get(Review, review_id)
    assert review.is_hidden
    assert review.hidden_reason == "Abusive language"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "review.hidden")).one()
    assert (event.subject_id, event.reason) == (str(review_id), "Abusive language")
    product = db.session.get(Product, shop.mug_product)
    assert (product.rating_count, product.rating_sum) == (0, 0)
    assert "Abusive" not in client.get(f"/p/{shop.mug_product}").get_data(as_text=True)


def test_hiding_without_a_reason_is_refused(shop, client, auth):
    review_id = _review(shop, client, auth)
    make_user(Role.ADMIN, email="root@example.com")
    auth.logout()
    auth.login("root@example.com")
    assert post_form(client, f"/reviews/{review_id}/hide", {"reason": ""}).status_code == 400
    assert not db.session.get(Review, review_id).is_hidden


def test_only_staff_hide_reviews(shop, client, auth):
    review_id = _review(shop, client, auth)
    auth.logout()
    auth.login("ada@example.com")
    response = post_form(client, f"/reviews/{review_id}/hide", {"reason": "I dislike it"})
    assert response.status_code == 403
    assert not db.session.get(Review, review_id).is_hidden


def test_review_of_a_refunded_line_is_marked(shop, client, auth):
    review_id = _review(shop, client, auth)
    review = db.session.get(Review, review_id)
    db.session.execute(
        update(OrderLine)
        .where(OrderLine.id == review.order_line_id)
        .values(status=LineStatus.REFUNDED.value)
    )
    db.session.commit()
    page = client.get(f"/p/{shop.mug_product}").get_data(as_text=True)
    assert "review-refunded" in page


def test_a_refunded_line_can_still_be_reviewed(shop, client, auth):
    order_id, line_id = delivered_line(shop.buyer_id, shop.mug)
    db.session.execute(
        update(OrderLine).where(OrderLine.id == line_id).values(status=LineStatus.REFUNDED.value)
    )
    db.session.commit()
    auth.login(shop.buyer_email)
    assert post_review(client, order_id, line_id, rating=1).status_code == 303


def test_author_removes_a_photo_and_adds_another(shop, client, auth):
    order_id, line_id = delivered_line(shop.buyer_id, shop.mug)
    auth.login(shop.buyer_email)
    post_review(client, order_id, line_id, photos=[photo("a.png")])
    review = db.session.scalars(select(Review)).one()
    first = db.session.scalar(select(ReviewPhoto.id).where(ReviewPhoto.review_id == review.id))
    response = post_form(
        client,
        f"/reviews/{review.id}/edit",
        {
            "rating": "5",
            "body": "Still lovely",
            "remove_photo": str(first),
            "photos": [photo("b.png")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    photos = db.session.scalars(select(ReviewPhoto.id).where(ReviewPhoto.review_id == review.id))
    assert list(photos) != [first]
    assert db.session.get(Review, review.id).photo_count == 1


def test_seller_is_told_of_a_review_and_the_buyer_of_the_answer(shop, client, auth):
    review_id = _review(shop, client, auth, rating=2)
    seller_notices = db.session.scalars(
        select(Notification.message).where(Notification.user_id == shop.seller_a_id)
    ).all()
    assert any("2-star review" in message for message in seller_notices)
    auth.logout()
    auth.login("ada@example.com")
    post_form(client, f"/seller/reviews/{review_id}/answer", {"reply": "Sorry!"})
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == shop.buyer_id)
    ).all()
    assert "review.answered" in kinds


def _hidden_by_staff(shop, client, auth, rating: int = 2) -> int:
    review_id = _review(shop, client, auth, rating=rating)
    make_user(Role.ADMIN, email="root@example.com")
    auth.logout()
    auth.login("root@example.com")
    assert post_form(client, f"/reviews/{review_id}/hide", {"reason": "Spam"}).status_code == 303
    return review_id


def test_staff_list_hidden_reviews_with_why_they_were_hidden(shop, client, auth):
    _hidden_by_staff(shop, client, auth)
    page = client.get("/admin/reviews").get_data(as_text=True)
    assert "Why it was hidden:</span> Spam" in page
    assert "Show again" in page


def test_staff_show_a_hidden_review_again_and_its_stars_count_again(shop, client, auth):
    review_id = _hidden_by_staff(shop, client, auth, rating=2)
    response = post_form(client, f"/reviews/{review_id}/unhide", {"reason": "Not spam after all"})
    assert response.status_code == 303
    assert not db.session.get(Review, review_id).is_hidden
    product = db.session.get(Product, shop.mug_product)
    assert (product.rating_count, product.rating_sum) == (1, 2)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "review.shown")).one()
    assert event.reason == "Not spam after all"
    assert "No hidden reviews" in client.get("/admin/reviews").get_data(as_text=True)


def test_showing_again_without_a_reason_is_refused(shop, client, auth):
    review_id = _hidden_by_staff(shop, client, auth)
    assert post_form(client, f"/reviews/{review_id}/unhide", {"reason": " "}).status_code == 400
    assert db.session.get(Review, review_id).is_hidden


def test_showing_a_visible_review_again_is_a_conflict(shop, client, auth):
    review_id = _review(shop, client, auth)
    make_user(Role.ADMIN, email="root@example.com")
    auth.logout()
    auth.login("root@example.com")
    response = post_form(client, f"/reviews/{review_id}/unhide", {"reason": "Why not"})
    assert response.status_code == 409
    product = db.session.get(Product, shop.mug_product)
    assert product.rating_count == 1


def test_only_staff_see_or_undo_hidden_reviews(shop, client, auth):
    review_id = _hidden_by_staff(shop, client, auth)
    auth.logout()
    auth.login("ada@example.com")
    assert client.get("/admin/reviews").status_code == 403
    response = post_form(client, f"/reviews/{review_id}/unhide", {"reason": "Show mine"})
    assert response.status_code == 403
    assert db.session.get(Review, review_id).is_hidden
