"""The outbox's handlers for mail: queue a user's mail after its cause committed
(``services.user_mail_after_commit``), and send one queued mail, once."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import update

from core.extensions import db
from core.jobs import job
from core.mail.models import ERROR_LENGTH, MailCategory, SentMail
from core.mail.services import sender, user_mail
from core.mail.transports import OutgoingMail, transport_for
from core.types import utcnow


@job
def send_mail(mail_id: int) -> bool:
    """Send the mail ``mail_id`` unless it was sent already; raise to be retried with back-off.

    The row's ``sent_at`` is the record: a duplicated or retried job finds it set and sends
    nothing. A failed try is recorded (attempts, last error) before the error goes back to
    the outbox (in-process) or to RQ, whose retry policy tries again later.
    """
    mail = db.session.get(SentMail, mail_id)
    if mail is None or mail.sent_at is not None:
        return False
    outgoing = OutgoingMail(
        message_id=mail.message_id,
        sender=sender(),
        recipient=mail.recipient,
        subject=mail.subject,
        text=mail.text_body,
        html=mail.html_body,
        unsubscribe_url=mail.unsubscribe_url,
        file_stem=f"{mail.id:08d}-{mail.template}",
    )
    try:
        transport_for(current_app).send(outgoing)
    except Exception as error:
        db.session.rollback()
        db.session.execute(
            update(SentMail)
            .where(SentMail.id == mail_id)
            .values(
                attempts=SentMail.attempts + 1,
                last_error=f"{type(error).__name__}: {error}"[:ERROR_LENGTH],
            )
        )
        db.session.commit()
        raise
    mail.sent_at = utcnow()
    mail.attempts += 1
    mail.last_error = None
    return True


@job
def queue_user_mail(
    user_id: int,
    template: str,
    *,
    event_key: str,
    category: str,
    subject: str,
    context: dict[str, Any],
) -> bool:
    """Render and queue the mail (its send job follows this commit); False if nothing was
    queued: the user is gone or turned the category off, or the event mailed them already
    (a repeated job writes nothing twice)."""
    queued = user_mail(
        user_id,
        template,
        event_key=event_key,
        category=MailCategory(category),
        subject=subject,
        **context,
    )
    return queued is not None
