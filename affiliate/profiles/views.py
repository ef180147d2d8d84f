"""Creator profiles: onboarding, public profile pages, and the sellers' creator directory.

The profile page shows what the packages above profiles registered for it (the showcase, the
videos, a seller's code panel: ``affiliate.profiles.hooks``), and the directory the figures they
measure.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from affiliate.profiles import hooks, queries
from affiliate.profiles import services as profiles
from affiliate.profiles.exceptions import ProfileError
from affiliate.profiles.forms import DirectoryForm, ProfileForm
from affiliate.profiles.loaders import get_profile_or_404
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.extensions import db
from core.money import parse_amount
from core.web.pagination import page_arg
from core.web.refusals import refuse
from shop.catalog import images
from shop.catalog.exceptions import ImageError
from shop.catalog.forms import uploaded
from shop.catalog.stores import category_tree

bp = Blueprint("profiles", __name__)

AVATAR_SIZE = 400


def _upload_dir() -> str:
    return current_app.config["UPLOAD_DIR"]


def _avatar(form: ProfileForm) -> tuple[bool, images.ProcessedImage | None]:
    """Validate and re-encode the uploaded avatar: (ok, image or None if none was chosen)."""
    files = uploaded(form.avatar.data)
    if not files:
        return True, None
    max_bytes = int(current_app.config.get("UPLOAD_MAX_IMAGE_BYTES") or images.DEFAULT_MAX_BYTES)
    try:
        return True, images.process_image(
            files[0].stream, max_bytes=max_bytes, main_size=AVATAR_SIZE, thumb_size=None
        )
    except ImageError as error:
        form.avatar.errors = [*form.avatar.errors, str(error)]
        return False, None


def _profile_input(form: ProfileForm) -> profiles.ProfileInput:
    return profiles.ProfileInput(
        handle=form.handle.data,
        display_name=form.display_name.data,
        bio=form.bio.data or "",
        follower_count=form.follower_count.data or 0,
        avg_views=form.avg_views.data or 0,
        category_ids=form.categories.data or [],
    )


@bp.route("/creator/onboarding", methods=["GET", "POST"])
@login_required
def onboarding() -> ResponseReturnValue:
    """Become a creator (or edit the profile): one form, the creator role on first save."""
    profile = profiles.profile_for_user(current_user.id)
    form = ProfileForm(obj=profile)
    form.set_category_choices(category_tree())
    if request.method == "GET" and profile is not None:
        form.categories.data = [c.category_id for c in profile.categories]

    def page(status: int = 200) -> ResponseReturnValue:
        return render_template("creators/onboarding.html", form=form, profile=profile), status

    if request.method == "GET":
        return page()
    if not form.validate_on_submit():
        return page(400)
    ok, avatar = _avatar(form)
    if not ok:
        return page(400)
    try:
        saved, obsolete = profiles.save_profile(
            current_user, _profile_input(form), avatar_path=avatar.path if avatar else None
        )
    except ProfileError as error:
        return refuse(error, form=form, page=page)
    written = images.write_images([avatar] if avatar else [], _upload_dir())
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        images.remove_files(written, _upload_dir())
        raise
    images.remove_files([obsolete], _upload_dir())
    flash(
        "Profile saved." if profile else "Welcome, creator! Your profile is live.",
        "success",
    )
    return redirect(url_for("profiles.profile", handle=saved.handle))


@bp.get("/creators/<handle>")
def profile(handle: str) -> ResponseReturnValue:
    found = get_profile_or_404(handle)
    is_owner = current_user.is_authenticated and current_user.id == found.user_id
    sections: dict[str, Any] = {}
    for section in hooks.profile_sections():
        sections.update(section(found, current_user))
    return render_template(
        "creators/profile.html",
        profile=found,
        is_owner=is_owner,
        can_invite=not is_owner
        and current_user.is_authenticated
        and current_user.has_role(Role.SELLER),
        **sections,
    )


@bp.get("/seller/creators")
@role_required(Role.SELLER)
def directory() -> ResponseReturnValue:
    form = DirectoryForm(request.args)
    form.set_category_choices(category_tree())
    form.validate()
    try:
        sort = queries.DirectorySort(form.value("sort") or queries.DirectorySort.FOLLOWERS)
    except ValueError:
        sort = queries.DirectorySort.FOLLOWERS
    currency = current_app.config["DEFAULT_CURRENCY"]
    raw_gmv = request.args.get("min_gmv", "").strip()
    min_gmv = _min_gmv(raw_gmv, currency)
    gmv_error = bool(raw_gmv) and min_gmv is None
    query = queries.DirectoryQuery(
        text=form.value("q") or "",
        category_id=form.value("category") or None,
        min_followers=form.value("min_followers"),
        max_followers=form.value("max_followers"),
        min_views=form.value("min_views"),
        min_gmv=min_gmv,
        sort=sort,
        page=page_arg(),
        currency=currency,
    )
    # A bad filter is ignored, and the page says so beside the others: a 400, never a 500.
    return render_template(
        "creators/directory.html",
        form=form,
        page=queries.search_directory(query, hooks.directory_figures()),
        currency=currency,
        min_gmv=raw_gmv[:20],
        gmv_error=gmv_error,
        measured_days=queries.MEASURED_DAYS,
    ), (400 if form.errors or gmv_error else 200)


def _min_gmv(raw: str, currency: str) -> int | None:
    """The "GMV at least" filter in minor units; a malformed or negative one is ignored."""
    try:
        amount = parse_amount(raw, currency) if raw.strip() else None
    except ValueError:
        return None
    return amount if amount is not None and amount >= 0 else None
