"""Creators' jobs: write buffered tracking events every few seconds, and fold events into the
daily rollups every minute."""

from __future__ import annotations

import logging

from affiliate.creators.attribution import ingest, tracking
from core.jobs import PeriodicJob, job

log = logging.getLogger(__name__)

#: Events folded per transaction, and the most transactions one run takes (a backlog after
#: downtime is caught up over a few runs rather than in one long one).
BATCH = 50_000
MAX_BATCHES = 20


@job
def roll_up_events() -> int:
    """Fold the events recorded since the last run into ``content_daily_stat``."""
    total = 0
    for _ in range(MAX_BATCHES):
        folded = tracking.roll_up(BATCH)  # commits each batch
        total += folded
        if folded < BATCH:
            break
    if total:
        log.info("rolled up %d content event(s)", total)
    return total


ROLL_UP_EVENTS = PeriodicJob(
    "affiliate.creators.attribution.jobs.roll_up_events",
    interval=60,
    description="fold creators' content events into the daily rollups",
)


@job
def flush_events() -> int:
    """Write the buffered tracking events (``ingest``) until the buffer is empty."""
    total = 0
    for _ in range(ingest.MAX_BATCHES):
        taken = ingest.flush_events(ingest.BATCH)
        total += taken
        if taken < ingest.BATCH:
            break
    if total:
        log.info("flushed %d buffered event(s)", total)
    return total


FLUSH_EVENTS = PeriodicJob(
    "affiliate.creators.attribution.jobs.flush_events",
    interval=5,
    description="write buffered tracking events (views, taps, adds) in batches",
)
