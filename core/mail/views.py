"""Mail preferences on the account, one-click unsubscribe, and the development mail page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from core.accounts.forms import EmptyForm
from core.extensions import csrf, db
from core.mail import services
from core.mail.models import MailCategory
from core.mail.signing import LinkError
from core.mail.transports import mail_directory, uses_file_transport

bp = Blueprint("mail", __name__)

DEV_PAGE_SIZE = 100
_LINK = re.compile(r"https?://[^\s<>\"']+")
OPTIONAL = [category for category in MailCategory if category.is_optional]


@bp.route("/account/mail", methods=["GET", "POST"])
@login_required
def preferences() -> ResponseReturnValue:
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        chosen = set(request.form.getlist("categories"))
        wanted = {category for category in OPTIONAL if category.value in chosen}
        services.set_preferences(current_user.id, wanted)
        db.session.commit()
        flash("Your mail preferences are saved.", "success")
        return redirect(url_for("mail.preferences"), 303)
    off = services.opted_out(current_user.id)
    return render_template(
        "mail/preferences.html", form=form, categories=OPTIONAL, off=off, MailCategory=MailCategory
    )


@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click: the mail client posts without a form; the token is the proof
def unsubscribe(token: str) -> ResponseReturnValue:
    try:
        user_id, category = services.read_unsubscribe_token(token)
    except LinkError as error:
        return render_template("accounts/link_refused.html", message=str(error)), 400
    services.unsubscribe(user_id, category)
    db.session.commit()
    if request.method == "POST":
        return "", 204
    return render_template("mail/unsubscribed.html", category=category)


# --- development mail page -------------------------------------------------------------------


@dataclass(frozen=True)
class DevMail:
    name: str
    to: str
    subject: str
    date: str


def _dev_page_open() -> bool:
    config = current_app.config
    return uses_file_transport(current_app) and config.get("ENV_NAME") != "production"


def _mail_files() -> list[Path]:
    directory = mail_directory(current_app)
    if not directory.is_dir():
        return []
    return sorted(directory.glob("*.eml"), reverse=True)[:DEV_PAGE_SIZE]


def _read(path: Path) -> EmailMessage:
    with path.open("rb") as file:
        message = BytesParser(policy=policy.default).parse(file)
    assert isinstance(message, EmailMessage)
    return message


def _dev_file(name: str) -> Path:
    if not _dev_page_open():
        abort(404)
    path = mail_directory(current_app) / name
    if "/" in name or "\\" in name or not name.endswith(".eml") or not path.is_file():
        abort(404)
    return path


@bp.get("/dev/mail")
def dev_mail() -> ResponseReturnValue:
    if not _dev_page_open():
        abort(404)
    mails = []
    for path in _mail_files():
        message = _read(path)
        mails.append(
            DevMail(
                name=path.name,
                to=str(message["To"]),
                subject=str(message["Subject"]),
                date=str(message["Date"]),
            )
        )
    return render_template("mail/dev_list.html", mails=mails, directory=mail_directory(current_app))


@bp.get("/dev/mail/<name>")
def dev_mail_show(name: str) -> ResponseReturnValue:
    message = _read(_dev_file(name))
    text_part = message.get_body(preferencelist=("plain",))
    text = text_part.get_content() if text_part is not None else ""
    links = list(dict.fromkeys(_LINK.findall(text)))
    return render_template("mail/dev_show.html", name=name, message=message, text=text, links=links)


@bp.get("/dev/mail/<name>/html")
def dev_mail_html(name: str) -> ResponseReturnValue:
    message = _read(_dev_file(name))
    html_part = message.get_body(preferencelist=("html",))
    html = html_part.get_content() if html_part is not None else ""
    response = current_app.response_class(html, mimetype="text/html")
    # The mail's own HTML, shown in a frame of the mail page: no script, inline styles only.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'self'; sandbox allow-popups allow-top-navigation-by-user-activation"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
