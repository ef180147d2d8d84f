"""Mail about withdrawals: to the creator (requested, paid, failed, rejected) and to finance
(a withdrawal above the four-eyes threshold waits for a second officer)."""

from __future__ import annotations

from sqlalchemy import select

from affiliate.payouts.models import Withdrawal
from affiliate.payouts.rules import money_text
from core.accounts.models import Role, User, UserRole
from core.extensions import db
from core.mail.models import MailCategory
from core.mail.services import absolute_url, queue_mail, user_mail_after_commit

#: The changes a creator is mailed about (all are in-app notices as well).
MAILED = {
    "requested": "Your withdrawal request is received",
    "paid": "Your withdrawal is paid",
    "failed": "Your withdrawal could not be paid",
    "rejected": "Your withdrawal was not approved",
}


def withdrawal_changed(w: Withdrawal, kind: str, message: str, path: str) -> None:
    """Mail the creator about a move of the ``MAILED`` kinds, from a job after the commit (the
    payout job's transaction only writes the job's outbox row)."""
    subject = MAILED.get(kind)
    if subject is None:
        return
    user_mail_after_commit(
        w.creator_id,
        f"withdrawal_{kind}",
        event_key=f"withdrawal-{kind}:{w.id}",
        category=MailCategory.WITHDRAWALS,
        subject=subject,
        paragraphs=[message],
        details=[
            ("Withdrawal", f"#{w.id}"),
            ("Amount", money_text(w.amount, w.currency)),
            ("Fee", money_text(w.fee, w.currency)),
            ("You receive", money_text(w.net, w.currency)),
        ],
        button_label="See the withdrawal",
        button_url=absolute_url(path),
    )


def second_approval_needed(w: Withdrawal, first_officer_id: int) -> int:
    """Mail every other active finance officer; return how many were mailed."""
    officers = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role == Role.FINANCE.value,
            User.id != first_officer_id,
            User.id != w.creator_id,
            User.suspended_at.is_(None),
        )
        .order_by(User.id)
    ).all()
    mailed = 0
    for officer in officers:
        queued = queue_mail(
            "four_eyes_needed",
            event_key=f"four-eyes:{w.id}",
            category=MailCategory.FINANCE,
            subject=f"Withdrawal #{w.id} needs a second approval",
            user=officer,
            paragraphs=[
                f"Withdrawal #{w.id} of {money_text(w.amount, w.currency)} is above the "
                "four-eyes threshold. One officer approved it; it needs a second, different "
                "officer before it is paid."
            ],
            button_label="Review the withdrawal",
            button_url=absolute_url(f"/finance/withdrawals/{w.id}"),
        )
        mailed += queued is not None
    return mailed
