"""Review routes on the shop's blueprints: the buyer writes and edits (``shop``), marks
helpful; staff hide; the seller reads their store's reviews and answers (``seller``).

Photos are validated and re-encoded like product images (``shop.catalog.images``) before any
row is written, and their files are written around the commit. Someone else's order line or
review is a 404; a refused rule rolls back and answers with its status and message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from core.accounts.authz import role_required
from core.accounts.models import Role
from core.accounts.stepup import staff_required
from core.extensions import db
from core.types import utcnow
from core.web import pageclock
from core.web.pagination import page_arg
from core.web.refusals import refuse
from shop.blueprints import seller_bp, shop_bp
from shop.catalog.forms import uploaded
from shop.catalog.models import Product
from shop.catalog.seller_views import commit_with_files, current_store, process_uploads
from shop.orders.loaders import get_order_line_or_404, get_order_or_404
from shop.orders.models import Order
from shop.reviews import queries, rules, services
from shop.reviews.exceptions import ReviewError
from shop.reviews.forms import AnswerForm, HelpfulForm, HideForm, ReviewForm, UnhideForm
from shop.reviews.loaders import get_review_or_404
from shop.reviews.models import Review


def _form_errors(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _photos(form: ReviewForm, existing: int = 0) -> list | None:
    """The chosen photos, validated and re-encoded; None (with the field's error) if refused."""
    files = uploaded(form.photos.data)
    if existing + len(files) > rules.MAX_PHOTOS:
        form.photos.errors = [
            *form.photos.errors,
            f"A review has at most {rules.MAX_PHOTOS} photos.",
        ]
        return None
    return process_uploads(files, form.photos)


def _product_url(product_id: int) -> str:
    return url_for("shop.product", product_id=product_id) + "#reviews"


# --- the buyer ---------------------------------------------------------------------------------


@shop_bp.route("/orders/<int:order_id>/lines/<int:line_id>/review", methods=["GET", "POST"])
@login_required
def review_new(order_id: int, line_id: int) -> ResponseReturnValue:
    order = get_order_or_404(order_id, buyer=current_user)
    line = get_order_line_or_404(line_id, order=order)
    existing = queries.line_reviews(order).get(line.id)
    if existing is not None:
        flash("You have already reviewed this item.", "info")
        if request.method == "POST":
            return redirect(url_for("shop.order", order_id=order.id), 303)
        return redirect(url_for("shop.review_edit", review_id=existing.id))
    eligibility = rules.line_eligibility(order, line, utcnow())
    form = ReviewForm()
    context = {
        "order": order,
        "line": line,
        "review": None,
        "eligibility": eligibility,
        "can_edit": eligibility.allowed,
    }
    if request.method == "GET":
        return render_template("shop/reviews/form.html", form=form, **context)
    if not form.validate_on_submit():
        return render_template("shop/reviews/form.html", form=form, **context), 400
    photos = _photos(form)
    if photos is None:
        return render_template("shop/reviews/form.html", form=form, **context), 400
    try:
        services.write_review(
            order, line, current_user, rating=form.rating.data, body=form.body.data, photos=photos
        )
    except ReviewError as error:
        return refuse(error, "shop/reviews/form.html", form=form, **context)
    commit_with_files(photos)
    flash("Thanks for your review!", "success")
    return redirect(_product_url(line.product_id), 303)


@shop_bp.route("/reviews/<int:review_id>/edit", methods=["GET", "POST"])
@login_required
def review_edit(review_id: int) -> ResponseReturnValue:
    review = get_review_or_404(review_id, author=current_user)
    context = {
        "review": review,
        "line": None,
        "order": None,
        "eligibility": None,
        "editable_until": rules.editable_until(review.created_at),
        "can_edit": services.can_edit(review, current_user.id),
    }
    if not context["can_edit"]:
        flash(
            f"A review can be edited for {rules.EDIT_WINDOW.days} days after it was posted.",
            "warning",
        )
        if request.method == "POST":
            return render_template("shop/reviews/form.html", form=ReviewForm(), **context), 409
    form = (
        ReviewForm(data={"rating": review.rating, "body": review.body})
        if request.method == "GET"
        else ReviewForm()
    )
    if request.method == "GET":
        return render_template("shop/reviews/form.html", form=form, **context)
    if not form.validate_on_submit():
        return render_template("shop/reviews/form.html", form=form, **context), 400
    remove = [int(v) for v in request.form.getlist("remove_photo") if v.isascii() and v.isdigit()]
    kept = len([p for p in review.photos if p.id not in set(remove)])
    photos = _photos(form, existing=kept)
    if photos is None:
        return render_template("shop/reviews/form.html", form=form, **context), 400
    try:
        removed = services.edit_review(
            review,
            current_user,
            rating=form.rating.data,
            body=form.body.data,
            photos=photos,
            remove_photo_ids=remove,
        )
    except ReviewError as error:
        return refuse(error, "shop/reviews/form.html", form=form, **context)
    product_id = review.product_id
    commit_with_files(photos, removed)
    flash("Your review was updated.", "success")
    return redirect(_product_url(product_id), 303)


@shop_bp.post("/reviews/<int:review_id>/helpful")
@login_required
def review_helpful(review_id: int) -> ResponseReturnValue:
    review = get_review_or_404(review_id)
    if review.is_hidden:
        abort(404)
    back = _product_url(review.product_id)
    if not HelpfulForm().validate_on_submit():
        flash("The form expired; go back and try again.", "danger")
        return _problem(back, 400)
    try:
        services.mark_helpful(review, current_user)
    except ReviewError as error:
        return refuse(error, page=lambda status: _problem(back, status))
    db.session.commit()
    flash("Thanks: you marked this review helpful.", "success")
    return redirect(back, 303)


@shop_bp.post("/reviews/<int:review_id>/hide")
@staff_required(Role.ADMIN)
def review_hide(review_id: int) -> ResponseReturnValue:
    review: Review = get_review_or_404(review_id)
    return _moderate(
        review,
        HideForm(),
        services.hide_review,
        back=_product_url(review.product_id),
        missing="Say why the review is hidden.",
        done="The review is hidden; the audit log records why.",
    )


@shop_bp.get("/admin/reviews")
@staff_required(Role.ADMIN)
def hidden_reviews() -> ResponseReturnValue:
    """Hidden reviews, so that staff can read a hiding again and undo it."""
    page = queries.hidden_reviews(page_arg())
    return render_template("shop/reviews/hidden.html", page=page, form=UnhideForm())


@shop_bp.post("/reviews/<int:review_id>/unhide")
@staff_required(Role.ADMIN)
def review_unhide(review_id: int) -> ResponseReturnValue:
    return _moderate(
        get_review_or_404(review_id),
        UnhideForm(),
        services.unhide_review,
        back=url_for("shop.hidden_reviews"),
        missing="Say why the review is shown again.",
        done="The review is shown again; its stars count again.",
    )


def _moderate(
    review: Review,
    form: HideForm | UnhideForm,
    decide: Callable[[Review, Any, str | None], None],
    *,
    back: str,
    missing: str,
    done: str,
) -> ResponseReturnValue:
    """A staff decision on a review with its reason: refused (400/409) or committed."""
    if not form.validate_on_submit():
        flash(_form_errors(form) or missing, "danger")
        return _problem(back, 400)
    try:
        decide(review, current_user, form.reason.data)
    except ReviewError as error:
        return refuse(error, page=lambda status: _problem(back, status))
    db.session.commit()
    flash(done, "success")
    return redirect(back, 303)


def _problem(back: str, status: int) -> ResponseReturnValue:
    """Why the action did not happen (the flashed message), and the way back."""
    return render_template("shop/reviews/problem.html", back=back), status


# --- the product page ---------------------------------------------------------------------------


def product_reviews_context(product: Product) -> dict[str, Any]:
    """What the product page's reviews section shows (a fixed number of statements)."""
    sort = next(
        (s for s in queries.ReviewSort if s.value == request.args.get("reviews")),
        queries.ReviewSort.NEWEST,
    )
    with_photos = request.args.get("photos") == "1"
    viewer_id = current_user.id if current_user.is_authenticated else None
    review_page = queries.product_reviews(
        product.id,
        sort=sort,
        with_photos=with_photos,
        page=page_arg("rpage"),
        viewer_id=viewer_id,
    )
    now = utcnow()
    # A cached page must not offer "Edit" after a review's edit window closes.
    pageclock.not_after(
        min((r.editable_until for r in review_page.items if r.editable_until > now), default=None)
    )
    return {
        "review_summary": queries.summary(product),
        "review_page": review_page,
        "review_sort": sort,
        "review_sorts": tuple(queries.ReviewSort),
        "review_with_photos": with_photos,
        "review_viewer_id": viewer_id,
        "review_is_staff": current_user.is_authenticated and current_user.has_role(Role.ADMIN),
        "helpful_form": HelpfulForm(formdata=None),
        "hide_form": HideForm(formdata=None),
        "review_edit_window": rules.EDIT_WINDOW,
        "review_now": now,
    }


# --- the seller ----------------------------------------------------------------------------------


@seller_bp.get("/reviews")
@role_required(Role.SELLER)
def reviews() -> ResponseReturnValue:
    store = current_store()
    if store is None:
        return redirect(url_for("seller.store_new"))
    unanswered = request.args.get("unanswered") == "1"
    return render_template(
        "seller/reviews.html",
        store=store,
        page=queries.store_reviews(store.id, page=page_arg(), unanswered=unanswered),
        rate=queries.negative_rate(store.id),
        unanswered=unanswered,
        answer_form=AnswerForm(formdata=None),
    )


@seller_bp.post("/reviews/<int:review_id>/answer")
@role_required(Role.SELLER)
def review_answer(review_id: int) -> ResponseReturnValue:
    store = current_store()
    if store is None:
        abort(404)
    review = get_review_or_404(review_id, store_id=store.id)
    back = url_for("seller.reviews")
    form = AnswerForm()
    if not form.validate_on_submit():
        flash(_form_errors(form) or "Write your answer.", "danger")
        return _problem(back, 400)
    try:
        services.answer_review(review, current_user, form.reply.data, store_id=store.id)
    except ReviewError as error:
        return refuse(error, page=lambda status: _problem(back, status))
    db.session.commit()
    flash("Your answer is published under the review.", "success")
    return redirect(back, 303)


def order_review_context(order: Order) -> dict[str, Any]:
    """What the buyer's order page needs for "Write a review" (one statement)."""
    now = utcnow()
    return {
        "line_reviews": queries.line_reviews(order),
        "review_open": lambda line: rules.line_eligibility(order, line, now).allowed,
        "review_editable": lambda review: services.can_edit(review, order.buyer_id, now),
    }
