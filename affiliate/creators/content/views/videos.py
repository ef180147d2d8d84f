"""Videos: the creator's pages (list, post, edit, remove), the public video page and its file,
and the "For you" feed (its page, and helpers that the shop's templates call if present)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.creators.content import feed as feeds
from affiliate.creators.content import queries, videos
from affiliate.creators.content.exceptions import ContentError
from affiliate.creators.content.forms import VideoEditForm, VideoForm
from affiliate.creators.content.loaders import get_video_or_404
from affiliate.creators.content.models import MAX_CONTENT_PRODUCTS, ContentKind
from affiliate.plans.showcase import showcase_of
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.extensions import db
from core.web.pagination import page_arg
from core.web.refusals import refuse
from shop.catalog.views import category_tree

bp = Blueprint("videos", __name__)

FEED_PER_PAGE = 10
# Room in a video upload's body for the poster image, the other fields and the boundaries.
FORM_OVERHEAD = 64 * 1024
VIDEO_MAX_AGE = 3600


@bp.url_value_preprocessor
def _allow_video_uploads(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Let a creator's video through (the app's body limit is far lower).

    URL value preprocessors run before every ``before_request`` hook, and hooks there read the
    form (the CSRF check, the NUL-byte guard), so this is the last moment to raise the limit.
    Only for a signed-in creator: nobody else may make the server spool a large body.
    """
    if endpoint != "videos.new" or request.method != "POST":
        return
    if not (current_user.is_authenticated and current_user.has_role(Role.CREATOR)):
        return
    config = current_app.config
    image_limit = int(config.get("UPLOAD_MAX_IMAGE_BYTES") or 0)
    request.max_content_length = int(config["UPLOAD_MAX_VIDEO_BYTES"]) + image_limit + FORM_OVERHEAD


def _upload_dir() -> str:
    return current_app.config["UPLOAD_DIR"]


def _set_product_choices(form: VideoEditForm, creator_id: int) -> list[Any]:
    rows = showcase_of(creator_id)
    form.products.choices = [(row.product.id, row.product.title) for row in rows]
    return rows


# ---------------------------------------------------------------------------- creator pages


@bp.get("/creator/videos")
@role_required(Role.CREATOR)
def mine() -> ResponseReturnValue:
    return render_template("creators/videos.html", rows=queries.own_videos(current_user.id))


@bp.route("/creator/videos/new", methods=["GET", "POST"])
@role_required(Role.CREATOR)
def new() -> ResponseReturnValue:
    form = VideoForm()
    limit = int(current_app.config["UPLOAD_MAX_VIDEO_BYTES"])
    form.file.description = f"An mp4 or webm file, up to {videos.size_label(limit)}."
    showcase = _set_product_choices(form, current_user.id)

    def page(status: int = 200) -> ResponseReturnValue:
        return render_template(
            "creators/video_form.html",
            form=form,
            showcase=showcase,
            video=None,
            max_products=MAX_CONTENT_PRODUCTS,
        ), status

    if request.method == "GET":
        return page()
    if not form.validate_on_submit():
        return page(400)
    try:
        video = videos.create_video(
            current_user.id,
            caption=form.caption.data or "",
            product_ids=form.products.data or [],
            upload=form.file.data or None,
            external_url=form.external_url.data,
            poster=form.poster.data or None,
        )
    except ContentError as error:
        return refuse(error, form=form, page=page)
    written = videos.files_of(video)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        videos.delete_files(written)
        raise
    flash("Your video is live.", "success")
    return redirect(url_for("videos.watch", content_id=video.id), 303)


@bp.route("/creator/videos/<int:content_id>/edit", methods=["GET", "POST"])
@role_required(Role.CREATOR)
def edit(content_id: int) -> ResponseReturnValue:
    video = get_video_or_404(content_id, owner=current_user.id)
    form = VideoEditForm()
    if request.method == "GET":
        form.caption.data = video.title
        form.products.data = queries.product_ids_of(video.id)
    showcase = _set_product_choices(form, current_user.id)

    def page(status: int = 200) -> ResponseReturnValue:
        return render_template(
            "creators/video_form.html",
            form=form,
            showcase=showcase,
            video=video,
            max_products=MAX_CONTENT_PRODUCTS,
        ), status

    if request.method == "GET":
        return page()
    if not form.validate_on_submit():
        return page(400)
    try:
        videos.update_video(
            current_user.id, video.id, form.caption.data or "", form.products.data or []
        )
    except ContentError as error:
        return refuse(error, form=form, page=page)
    db.session.commit()
    flash("Video saved.", "success")
    return redirect(url_for("videos.mine"), 303)


@bp.post("/creator/videos/<int:content_id>/remove")
@role_required(Role.CREATOR)
def remove(content_id: int) -> ResponseReturnValue:
    # The app-wide CSRF check has already verified this POST's token.
    video = get_video_or_404(content_id, owner=current_user.id)
    obsolete = videos.remove_video(current_user.id, video.id)
    db.session.commit()
    videos.delete_files(obsolete)
    flash("Video removed.", "success")
    return redirect(url_for("videos.mine"), 303)


# ---------------------------------------------------------------------------- public pages


@bp.get("/v/<int:content_id>")
def watch(content_id: int) -> ResponseReturnValue:
    video = get_video_or_404(content_id)
    return render_template(
        "creators/video.html",
        video=video,
        cards=queries.product_cards([video.id]).get(video.id, []),
        creator=queries.creator_cards([video.creator_id]).get(video.creator_id),
        external_host=videos.external_host(video.external_url),
    )


@bp.get("/v/<int:content_id>/file")
def file(content_id: int) -> ResponseReturnValue:
    """The uploaded file, with range requests (seeking) and conditional GETs."""
    video = get_video_or_404(content_id)
    if not video.video_path or videos.video_file(video) is None:
        abort(404)
    response = send_from_directory(
        _upload_dir(),
        video.video_path,
        mimetype=video.video_mime or "application/octet-stream",
        conditional=True,
        max_age=VIDEO_MAX_AGE,
    )
    response.headers["Accept-Ranges"] = "bytes"
    return response


@bp.get("/feed")
def feed() -> ResponseReturnValue:
    viewer = current_user.id if current_user.is_authenticated else None
    page = feeds.feed(viewer, page_arg(), FEED_PER_PAGE, tree=category_tree())
    return render_template("creators/feed.html", page=page)


@bp.app_context_processor
def inject_video_helpers() -> dict[str, Any]:
    """Helpers for the shop's templates, which may not import this package."""

    def feed_preview() -> list[feeds.FeedItem]:
        viewer = current_user.id if current_user.is_authenticated else None
        return feeds.feed_preview(viewer, tree=category_tree())

    return {
        "feed_preview": feed_preview,
        "seen_in": feeds.seen_in,
        "content_url": content_url,
    }


def content_url(content_id: int, kind: str) -> str | None:
    """The page of a video or live (None for a live while its pages do not exist)."""
    if kind == ContentKind.VIDEO.value:
        return url_for("videos.watch", content_id=content_id)
    if "lives.watch" in current_app.view_functions:
        return url_for("lives.watch", content_id=content_id)
    return None
