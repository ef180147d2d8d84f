"""Content's jobs: send the reminders of scheduled lives that are due, every minute."""

from __future__ import annotations

import logging

from affiliate.creators.content import reminders
from core.extensions import db
from core.jobs import PeriodicJob, job

log = logging.getLogger(__name__)


@job
def send_live_reminders() -> int:
    """Send the due "starts in 10 minutes" and "is live now" notices (each once)."""
    sent = reminders.send_due()
    db.session.commit()
    if sent:
        log.info("sent %d live reminder(s)", sent)
    return sent


SEND_LIVE_REMINDERS = PeriodicJob(
    "affiliate.creators.content.jobs.send_live_reminders",
    interval=60,
    description="send viewers' reminders of scheduled lives (10 minutes before, at the start)",
)
