"""The outbox's handler for mail: send one queued mail, once."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import update

from core.extensions import db
from core.jobs import job
from core.mail.models import ERROR_LENGTH, SentMail
from core.mail.services import sender
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
