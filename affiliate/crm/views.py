"""The sellers' creator CRM (``/seller/crm``): the directory with the store's tags, saved
segments and bulk actions, and one creator's relationship with the store, tags and notes.

Everything is the signed-in seller's own store's: another store's tag, note or segment reads
as missing (404).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from affiliate.crm import queries, services
from affiliate.crm.exceptions import CrmError
from affiliate.crm.forms import BulkForm, ConfirmForm, NoteForm, SegmentForm, TagForm
from affiliate.messages import queries as message_queries
from affiliate.messages import services as messages
from affiliate.messages.limits import Limits
from affiliate.messages.models import Side
from affiliate.plans.samples import obligations
from affiliate.profiles import hooks
from affiliate.profiles import queries as directory
from affiliate.profiles.forms import DirectoryForm
from affiliate.profiles.loaders import get_profile_or_404
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.exceptions import DomainError
from core.extensions import db
from core.money import parse_amount
from core.web.pagination import page_arg
from core.web.refusals import refuse
from shop.catalog.models import Store
from shop.catalog.stores import category_tree

bp = Blueprint("crm", __name__, url_prefix="/seller/crm")

FORM_EXPIRED = "The form expired; try again."


def _store() -> Store:
    store = messages.store_of(current_user.id)
    if store is None:
        abort(404)
    return store


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 18 else None


# ---------------------------------------------------------------------------------------------
# The directory with the CRM
# ---------------------------------------------------------------------------------------------


def _query(
    store: Store, args: MultiDict[str, str], *, page: int = 1, per_page: int | None = None
) -> tuple[directory.DirectoryQuery, DirectoryForm, list[str]]:
    """The directory query of these filters (bad ones ignored and named) for the store."""
    form = DirectoryForm(args)
    form.set_category_choices(category_tree())
    form.validate()
    problems = form.problems()
    try:
        sort = directory.DirectorySort(form.value("sort") or directory.DirectorySort.FOLLOWERS)
    except ValueError:
        sort = directory.DirectorySort.FOLLOWERS
    min_gmv = None
    raw_gmv = (args.get("min_gmv") or "").strip()
    if raw_gmv:
        try:
            min_gmv = parse_amount(raw_gmv, store.currency)
        except ValueError:
            problems.append("GMV at least: use an amount such as 250 or 99.50.")
    among = None
    tag_id = _int(args.get("tag"))
    if args.get("tag"):
        tag_ok = tag_id is not None and any(t.id == tag_id for t in queries.store_tags(store.id))
        if tag_ok and tag_id is not None:
            among = queries.tagged_with(store.id, tag_id)
        else:
            problems.append("Tag: that tag does not exist.")
    query = directory.DirectoryQuery(
        text=form.value("q") or "",
        category_id=form.value("category") or None,
        min_followers=form.value("min_followers"),
        max_followers=form.value("max_followers"),
        min_views=form.value("min_views"),
        min_gmv=min_gmv,
        sort=sort,
        page=page,
        per_page=per_page or directory.DIRECTORY_PER_PAGE,
        currency=store.currency,
        among=among,
    )
    return query, form, problems


def _segment_args(store: Store, segment_id: int | None) -> MultiDict[str, str] | None:
    if segment_id is None:
        return None
    try:
        segment = services.store_segment(store, segment_id)
    except CrmError:
        abort(404)
    return MultiDict(services.segment_filters(segment))


@bp.get("/")
@role_required(Role.SELLER)
def index() -> ResponseReturnValue:
    store = _store()
    args: MultiDict[str, str] = MultiDict(request.args)
    segment_id = _int(request.args.get("segment"))
    if (loaded := _segment_args(store, segment_id)) is not None:
        args = loaded
    query, form, problems = _query(store, args, page=page_arg())
    found = directory.search_directory(query, hooks.directory_figures())
    ids = [p.user_id for p in found.items]
    bulk = BulkForm(formdata=None)
    plans = message_queries.card_choices(store.id, 0, Side.SELLER).plans
    bulk.plan_id.choices = [SelectChoice("", "Choose a plan")] + [
        SelectChoice(str(p.id), p.name) for p in plans
    ]
    return render_template(
        "crm/index.html",
        store=store,
        form=form,
        page=found,
        problems=problems,
        args=args,
        tags=queries.store_tags(store.id),
        segments=queries.segments(store.id),
        segment_id=segment_id,
        creator_tags=queries.tags_of(store.id, ids),
        relationships=queries.relationships(store.id, ids),
        note_counts=queries.note_counts(store.id, ids),
        posting=obligations.posting_rates(ids),
        bulk=bulk,
        segment_form=SegmentForm(formdata=None),
        confirm=ConfirmForm(formdata=None),
        currency=store.currency,
        filters=services.clean_filters(args),
    ), (400 if problems else 200)


@bp.post("/segments")
@role_required(Role.SELLER)
def save_segment() -> ResponseReturnValue:
    store = _store()
    form = SegmentForm()
    filters = {name: request.form.get(name, "") for name in services.SEGMENT_FIELDS}
    back = url_for("crm.index", **dict[str, Any](services.clean_filters(filters)))
    if not form.validate_on_submit():
        flash(FORM_EXPIRED if "csrf_token" in form.errors else "Check the name.", "danger")
        return redirect(back, 303)
    try:
        segment = services.save_segment(store, form.name.data, filters)
    except DomainError as error:
        return refuse(error, back=back)
    db.session.commit()
    flash(f"Segment “{segment.name}” saved.", "success")
    return redirect(url_for("crm.index", segment=segment.id), 303)


@bp.post("/segments/<int:segment_id>/delete")
@role_required(Role.SELLER)
def delete_segment(segment_id: int) -> ResponseReturnValue:
    store = _store()
    if not ConfirmForm().validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return redirect(url_for("crm.index"), 303)
    try:
        services.delete_segment(store, segment_id)
    except CrmError:
        abort(404)
    db.session.commit()
    flash("Segment deleted.", "success")
    return redirect(url_for("crm.index"), 303)


@bp.post("/tags/<int:tag_id>/delete")
@role_required(Role.SELLER)
def delete_tag(tag_id: int) -> ResponseReturnValue:
    store = _store()
    if not ConfirmForm().validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return redirect(url_for("crm.index"), 303)
    try:
        services.delete_tag(store, tag_id)
    except CrmError:
        abort(404)
    db.session.commit()
    flash("Tag deleted.", "success")
    return redirect(url_for("crm.index"), 303)


def _selection(store: Store, form: BulkForm) -> list[int]:
    """The ticked creators, or every creator of the segment (up to the bulk limit)."""
    segment_args = _segment_args(store, _int(form.segment_id.data))
    if segment_args is not None:
        query, _form, _problems = _query(store, segment_args, per_page=services.MAX_BULK)
        found = directory.search_directory(query, hooks.directory_figures())
        return [p.user_id for p in found.items]
    return [i for raw in request.form.getlist("creator_ids") if (i := _int(raw)) is not None]


@bp.post("/bulk")
@role_required(Role.SELLER)
def bulk() -> ResponseReturnValue:
    store = _store()
    form = BulkForm()
    form.plan_id.choices = [SelectChoice(request.form.get("plan_id", ""), "")]
    back = request.form.get("back") or url_for("crm.index")
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("crm.index")
    if not form.validate_on_submit():
        flash(FORM_EXPIRED if "csrf_token" in form.errors else "Check the action.", "danger")
        return redirect(back, 303)
    ids = _selection(store, form)
    try:
        if form.action.data == "tag":
            tag, added = services.tag_creators(store, form.tag.data or "", ids)
            message = f"Tagged {added} creator(s) “{tag.name}”."
        elif form.action.data == "invite":
            plan_id = _int(form.plan_id.data)
            if plan_id is None:
                raise CrmError("Choose one of your targeted plans.")
            invited = services.bulk_invite(store, plan_id, ids, current_user)
            message = f"Invited {invited} creator(s)."
        else:
            result = services.bulk_message(
                store,
                ids,
                current_user,
                form.body.data,
                Limits.from_config(current_app.config),
            )
            message = f"Message sent to {result.done} creator(s)."
            if result.refused:
                reasons = sorted({reason for _, reason in result.refused})
                message += f" Not sent to {len(result.refused)}: " + " ".join(reasons)
    except DomainError as error:
        return refuse(error, back=back)
    db.session.commit()
    flash(message, "success")
    return redirect(back, 303)


# ---------------------------------------------------------------------------------------------
# One creator
# ---------------------------------------------------------------------------------------------


def _creator_page(store: Store, handle: str, status: int = 200, **forms: Any) -> Any:
    profile = get_profile_or_404(handle)
    relationship = queries.relationships(store.id, [profile.user_id])[profile.user_id]
    return render_template(
        "crm/creator.html",
        store=store,
        profile=profile,
        relationship=relationship,
        posting=obligations.posting_rate(profile.user_id),
        tags=queries.tags_of(store.id, [profile.user_id]).get(profile.user_id, []),
        all_tags=queries.store_tags(store.id),
        notes=queries.notes_on(store.id, profile.user_id),
        tag_form=forms.get("tag_form") or TagForm(formdata=None),
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        confirm=ConfirmForm(formdata=None),
        currency=store.currency,
    ), status


@bp.get("/creators/<handle>")
@role_required(Role.SELLER)
def creator(handle: str) -> ResponseReturnValue:
    return _creator_page(_store(), handle)


@bp.post("/creators/<handle>/tags")
@role_required(Role.SELLER)
def add_tag(handle: str) -> ResponseReturnValue:
    store = _store()
    profile = get_profile_or_404(handle)
    form = TagForm()
    if not form.validate_on_submit():
        flash(FORM_EXPIRED if "csrf_token" in form.errors else "Check the tag.", "danger")
        return _creator_page(store, handle, 400, tag_form=form)
    try:
        tag, _added = services.tag_creators(store, form.tag.data or "", [profile.user_id])
    except DomainError as error:
        return refuse(error, page=lambda s: _creator_page(store, handle, s, tag_form=form))
    db.session.commit()
    flash(f"Tagged “{tag.name}”.", "success")
    return redirect(url_for("crm.creator", handle=handle), 303)


@bp.post("/creators/<handle>/tags/<int:tag_id>/remove")
@role_required(Role.SELLER)
def remove_tag(handle: str, tag_id: int) -> ResponseReturnValue:
    store = _store()
    profile = get_profile_or_404(handle)
    if not ConfirmForm().validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return redirect(url_for("crm.creator", handle=handle), 303)
    try:
        services.untag(store, tag_id, profile.user_id)
    except CrmError:
        abort(404)
    db.session.commit()
    flash("Tag removed.", "success")
    return redirect(url_for("crm.creator", handle=handle), 303)


@bp.post("/creators/<handle>/notes")
@role_required(Role.SELLER)
def add_note(handle: str) -> ResponseReturnValue:
    store = _store()
    profile = get_profile_or_404(handle)
    form = NoteForm()
    if not form.validate_on_submit():
        flash(FORM_EXPIRED if "csrf_token" in form.errors else "Check the note.", "danger")
        return _creator_page(store, handle, 400, note_form=form)
    try:
        services.add_note(store, profile.user_id, current_user, form.body.data)
    except DomainError as error:
        return refuse(error, page=lambda s: _creator_page(store, handle, s, note_form=form))
    db.session.commit()
    flash("Note saved (only your store sees it).", "success")
    return redirect(url_for("crm.creator", handle=handle), 303)


@bp.post("/creators/<handle>/notes/<int:note_id>/delete")
@role_required(Role.SELLER)
def delete_note(handle: str, note_id: int) -> ResponseReturnValue:
    store = _store()
    if not ConfirmForm().validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return redirect(url_for("crm.creator", handle=handle), 303)
    try:
        services.delete_note(store, note_id)
    except CrmError:
        abort(404)
    db.session.commit()
    flash("Note deleted.", "success")
    return redirect(url_for("crm.creator", handle=handle), 303)
