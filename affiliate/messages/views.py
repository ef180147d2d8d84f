"""Message pages: the inbox, a thread (with cards acting in place and a poll for new messages),
the first message to a creator or a store, block and report, and the admins' list of reports.

A conversation is reachable only by its store's owner and its creator: anybody else gets 404.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from affiliate.messages import moderation, queries, services
from affiliate.messages.forms import ConfirmForm, DeclineSampleForm, MessageForm, ReportForm
from affiliate.messages.limits import Limits, first_contacts
from affiliate.messages.loaders import get_conversation_or_404
from affiliate.messages.models import Conversation, Origin, Side
from affiliate.messages.text import render_body
from affiliate.profiles.loaders import get_profile_or_404
from core.accounts.authz import get_or_404, role_required
from core.accounts.models import Role
from core.accounts.stepup import staff_required
from core.exceptions import DomainError
from core.extensions import db
from core.web.pagination import Page, page_arg
from core.web.refusals import refuse
from core.web.templating import unread_notifications
from shop.catalog.models import Store

bp = Blueprint("messages", __name__)

FORM_EXPIRED = "The form expired; try again."


@bp.app_template_filter("message_body")
def _message_body(text: str) -> Any:
    return render_body(text)


def _limits() -> Limits:
    return Limits.from_config(current_app.config)


def _origin(raw: str | None) -> Origin:
    try:
        return Origin(raw or Origin.MESSAGES.value)
    except ValueError:
        return Origin.MESSAGES


# ---------------------------------------------------------------------------------------------
# Inbox
# ---------------------------------------------------------------------------------------------


@bp.get("/messages")
@login_required
def inbox() -> ResponseReturnValue:
    my_store = services.store_of(current_user.id)
    is_creator = current_user.has_role(Role.CREATOR)
    wanted = request.args.get("side")
    if wanted == Side.CREATOR.value and is_creator:
        side = Side.CREATOR
    elif wanted == Side.SELLER.value and my_store is not None:
        side = Side.SELLER
    else:
        side = Side.SELLER if my_store is not None else Side.CREATOR
    if side is Side.CREATOR and not is_creator:
        rows: Page[queries.InboxRow] = Page(items=[], page=1, per_page=1, total=0)
    else:
        rows = queries.inbox(side, current_user.id, page_arg())
    return render_template(
        "messages/inbox.html",
        rows=rows,
        side=side,
        store=my_store,
        both=is_creator and my_store is not None,
        is_creator=is_creator,
    )


# ---------------------------------------------------------------------------------------------
# A thread
# ---------------------------------------------------------------------------------------------


def _thread_page(
    conversation: Conversation, side: Side, form: MessageForm | None = None, status: int = 200
) -> ResponseReturnValue:
    thread = queries.thread(conversation, side)
    choices = queries.card_choices(conversation.store_id, conversation.creator_id, side)
    form = form or MessageForm(formdata=None)
    form.card.choices = choices.options()
    allowance = None
    if side is Side.SELLER:
        allowance = conversation.seller_unanswered
    return render_template(
        "messages/thread.html",
        thread=thread,
        conversation=conversation,
        side=side,
        form=form,
        confirm=ConfirmForm(formdata=None),
        decline_form=DeclineSampleForm(formdata=None),
        report_form=ReportForm(formdata=None),
        unanswered=allowance,
        before_reply=_limits().before_reply,
        new=False,
    ), status


@bp.get("/messages/<int:conversation_id>")
@login_required
def show(conversation_id: int) -> ResponseReturnValue:
    conversation, side = get_conversation_or_404(conversation_id, current_user.id)
    services.mark_read(conversation, side)
    db.session.commit()
    form = MessageForm(formdata=None)
    form.card.data = request.args.get("card", "")[:40]
    return _thread_page(conversation, side, form)


@bp.post("/messages/<int:conversation_id>")
@login_required
def send(conversation_id: int) -> ResponseReturnValue:
    conversation, side = get_conversation_or_404(conversation_id, current_user.id)
    form = MessageForm()
    if not form.validate_on_submit():
        flash(FORM_EXPIRED if "csrf_token" in form.errors else "Check the message.", "danger")
        return _thread_page(conversation, side, form, 400)
    try:
        card = form.card_request()
    except ValueError:
        flash("Choose a card from the list.", "danger")
        return _thread_page(conversation, side, form, 400)
    try:
        services.send(
            store=conversation.store,
            creator_id=conversation.creator_id,
            side=side,
            sender=current_user,
            body=form.body.data,
            card=card,
            limits=_limits(),
        )
        services.mark_read(conversation, side)
    except DomainError as error:
        return refuse(error, page=lambda status: _thread_page(conversation, side, form, status))
    db.session.commit()
    return redirect(url_for("messages.show", conversation_id=conversation.id) + "#latest", 303)


@bp.get("/messages/<int:conversation_id>/poll")
@login_required
def poll(conversation_id: int) -> ResponseReturnValue:
    """New messages after ``after`` as HTML, for the thread's script (marks them read)."""
    conversation, side = get_conversation_or_404(conversation_id, current_user.id)
    raw = request.args.get("after", "0")
    after = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 18 else 0
    thread = queries.thread(conversation, side, after_id=after)
    if thread.messages:
        services.mark_read(conversation, side)
        db.session.commit()
    html = render_template(
        "messages/_messages.html",
        thread=thread,
        side=side,
        confirm=ConfirmForm(formdata=None),
        decline_form=DeclineSampleForm(formdata=None),
    )
    return jsonify(
        html=html if thread.messages else "",
        last_id=thread.last_id or after,
        unread=unread_notifications(services.NOTICE_KIND_PREFIX),
    )


# ---------------------------------------------------------------------------------------------
# A first message
# ---------------------------------------------------------------------------------------------


def _new_page(
    store: Store, creator_id: int, side: Side, form: MessageForm, status: int = 200, **extra: Any
) -> ResponseReturnValue:
    choices = queries.card_choices(store.id, creator_id, side)
    form.card.choices = choices.options()
    allowance = first_contacts(store.id, _limits()) if side is Side.SELLER else None
    return render_template(
        "messages/new.html",
        store=store,
        side=side,
        form=form,
        allowance=allowance,
        **extra,
    ), status


@bp.route("/messages/to/<handle>", methods=["GET", "POST"])
@role_required(Role.SELLER)
def to_creator(handle: str) -> ResponseReturnValue:
    """The seller writes to a creator: the thread if they already talk, else a first message."""
    profile = get_profile_or_404(handle)
    store = services.store_of(current_user.id)
    if store is None:
        flash("Open your store first: messages go out in its name.", "warning")
        return redirect(url_for("seller.home"))
    existing = services.conversation_between(store.id, profile.user_id)
    if existing is not None and request.method == "GET":
        card = request.args.get("card", "")[:40]
        return redirect(url_for("messages.show", conversation_id=existing.id, card=card or None))
    return _first_message(store, profile.user_id, Side.SELLER, profile=profile)


@bp.route("/messages/store/<int:store_id>", methods=["GET", "POST"])
@role_required(Role.CREATOR)
def to_store(store_id: int) -> ResponseReturnValue:
    """A creator writes to a store (from an invitation or a sample request)."""
    store = get_or_404(Store, store_id)
    existing = services.conversation_between(store.id, current_user.id)
    if existing is not None and request.method == "GET":
        card = request.args.get("card", "")[:40]
        return redirect(url_for("messages.show", conversation_id=existing.id, card=card or None))
    return _first_message(store, current_user.id, Side.CREATOR, profile=None)


def _first_message(store: Store, creator_id: int, side: Side, **extra: Any) -> ResponseReturnValue:
    if request.method == "GET":
        form = MessageForm(formdata=None)
        form.card.data = request.args.get("card", "")[:40]
        form.origin.data = _origin(request.args.get("from")).value
        return _new_page(store, creator_id, side, form, **extra)
    form = MessageForm()
    if not form.validate_on_submit():
        flash(FORM_EXPIRED if "csrf_token" in form.errors else "Check the message.", "danger")
        return _new_page(store, creator_id, side, form, 400, **extra)
    try:
        card = form.card_request()
    except ValueError:
        flash("Choose a card from the list.", "danger")
        return _new_page(store, creator_id, side, form, 400, **extra)
    try:
        message = services.send(
            store=store,
            creator_id=creator_id,
            side=side,
            sender=current_user,
            body=form.body.data,
            card=card,
            origin=_origin(form.origin.data),
            limits=_limits(),
        )
    except DomainError as error:
        return refuse(
            error, page=lambda status: _new_page(store, creator_id, side, form, status, **extra)
        )
    db.session.commit()
    flash("Message sent.", "success")
    return redirect(url_for("messages.show", conversation_id=message.conversation_id), 303)


# ---------------------------------------------------------------------------------------------
# Cards acting in place
# ---------------------------------------------------------------------------------------------


def _back(conversation: Conversation) -> str:
    return url_for("messages.show", conversation_id=conversation.id) + "#latest"


CARD = "/messages/<int:conversation_id>/cards/<int:message_id>"


@bp.post(CARD + "/invitation/<any(accept, decline):answer>")
@login_required
def answer_invitation(conversation_id: int, message_id: int, answer: str) -> ResponseReturnValue:
    conversation, _side = get_conversation_or_404(conversation_id, current_user.id)
    if not ConfirmForm().validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return redirect(_back(conversation), 303)
    try:
        membership = services.answer_invitation(
            conversation, message_id, current_user, accept=answer == "accept"
        )
    except DomainError as error:
        return refuse(error, back=_back(conversation))
    db.session.commit()
    word = "accepted" if answer == "accept" else "declined"
    flash(f"Invitation to “{membership.plan.name}” {word}.", "success")
    return redirect(_back(conversation), 303)


@bp.post(
    "/messages/<int:conversation_id>/cards/<int:message_id>/sample/<any(approve, decline):answer>"
)
@login_required
def decide_sample(conversation_id: int, message_id: int, answer: str) -> ResponseReturnValue:
    conversation, _side = get_conversation_or_404(conversation_id, current_user.id)
    form = DeclineSampleForm()
    if not form.validate_on_submit():
        flash(FORM_EXPIRED if "csrf_token" in form.errors else "Check the reason.", "danger")
        return redirect(_back(conversation), 303)
    try:
        services.decide_sample(
            conversation,
            message_id,
            current_user,
            approve=answer == "approve",
            reason=form.reason.data or "",
        )
    except DomainError as error:
        return refuse(error, back=_back(conversation))
    db.session.commit()
    flash(
        "Sample approved: it ships as a free order." if answer == "approve" else "Sample declined.",
        "success",
    )
    return redirect(_back(conversation), 303)


# ---------------------------------------------------------------------------------------------
# Block and report
# ---------------------------------------------------------------------------------------------


@bp.post("/messages/<int:conversation_id>/<any(block, unblock):action>")
@login_required
def block(conversation_id: int, action: str) -> ResponseReturnValue:
    conversation, side = get_conversation_or_404(conversation_id, current_user.id)
    if not ConfirmForm().validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return redirect(_back(conversation), 303)
    moderation.set_blocked(conversation, side, action == "block")
    db.session.commit()
    flash("Conversation blocked." if action == "block" else "Block lifted.", "success")
    return redirect(_back(conversation), 303)


@bp.post("/messages/<int:conversation_id>/report")
@login_required
def report(conversation_id: int) -> ResponseReturnValue:
    conversation, side = get_conversation_or_404(conversation_id, current_user.id)
    form = ReportForm()
    if not form.validate_on_submit():
        flash(FORM_EXPIRED if "csrf_token" in form.errors else "Check the report.", "danger")
        return redirect(_back(conversation), 303)
    try:
        moderation.report(conversation, side, current_user, form.reason.data, block=form.block.data)
    except DomainError as error:
        return refuse(error, back=_back(conversation))
    db.session.commit()
    flash("Thank you: the report reached the admins.", "success")
    return redirect(_back(conversation), 303)


@bp.get("/admin/message-reports")
@staff_required(Role.ADMIN)
def reports() -> ResponseReturnValue:
    return render_template("messages/reports.html", page=queries.reports(page_arg()))
