"""Creator profiles: onboarding, public profile pages, and the sellers' creator directory."""

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
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from affiliate.profiles import services as profiles
from affiliate.profiles.forms import DirectoryForm, ProfileForm
from affiliate.profiles.models import CreatorProfile
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.extensions import db
from core.money import parse_amount
from core.web.pagination import page_arg
from shop.catalog import images
from shop.catalog.exceptions import ImageError
from shop.catalog.forms import uploaded
from shop.catalog.services import category_tree, get_store_for_owner

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
    except profiles.ProfileError as error:
        db.session.rollback()
        field = getattr(form, error.field, None) if error.field else None
        if field is None:
            form.form_errors.append(str(error))
        else:
            field.errors = [*field.errors, str(error)]
        return page(400)
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
    from affiliate.creators.content.videos import published_videos_of

    found = profiles.profile_by_handle(handle)
    if found is None:
        abort(404)
    is_owner = current_user.is_authenticated and current_user.id == found.user_id
    return render_template(
        "creators/profile.html",
        profile=found,
        showcase=profiles.showcase(found.user_id),
        videos=published_videos_of(found.user_id),
        is_owner=is_owner,
        **_code_panel(found, is_owner),
    )


def _code_panel(found: CreatorProfile, is_owner: bool) -> dict[str, Any]:
    """For a seller with a store: the form to give this creator a code, and codes given."""
    from affiliate.creators.attribution.code_views import GiveCodeForm
    from affiliate.creators.attribution.codes import codes_given_to

    if is_owner or not current_user.is_authenticated or not current_user.has_role(Role.SELLER):
        return {"code_form": None}
    store = get_store_for_owner(current_user.id)
    if store is None:
        return {"code_form": None}
    return {"code_form": GiveCodeForm(), "codes_given": codes_given_to(store, found.user_id)}


@bp.get("/seller/creators")
@role_required(Role.SELLER)
def directory() -> ResponseReturnValue:
    form = DirectoryForm(request.args)
    form.set_category_choices(category_tree())
    form.validate()
    try:
        sort = profiles.DirectorySort(form.value("sort") or profiles.DirectorySort.FOLLOWERS)
    except ValueError:
        sort = profiles.DirectorySort.FOLLOWERS
    currency = current_app.config["DEFAULT_CURRENCY"]
    raw_gmv = request.args.get("min_gmv", "").strip()
    min_gmv = _min_gmv(raw_gmv, currency)
    gmv_error = bool(raw_gmv) and min_gmv is None
    query = profiles.DirectoryQuery(
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
        page=profiles.search_directory(query),
        currency=currency,
        min_gmv=raw_gmv[:20],
        gmv_error=gmv_error,
        measured_days=profiles.MEASURED_DAYS,
    ), (400 if form.errors or gmv_error else 200)


def _min_gmv(raw: str, currency: str) -> int | None:
    """The "GMV at least" filter in minor units; a malformed or negative one is ignored."""
    try:
        amount = parse_amount(raw, currency) if raw.strip() else None
    except ValueError:
        return None
    return amount if amount is not None and amount >= 0 else None
