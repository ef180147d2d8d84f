"""Payout jobs: pay one approved withdrawal, and recover payouts whose worker died.

``process_withdrawal`` runs on the ``payouts`` queue with RQ's ``Retry`` back-off (enqueued by
``transitions.enqueue_payout`` once the approval commits). It follows ``processing``'s
protocol: begin (commit) → provider call with the attempt's idempotency key (no transaction
open) → record the answer (commit). RQ delivers at least once and a worker may die at any
line: the database, not RQ, says what happened, and every step is safe to run again.
"""

from __future__ import annotations

import logging

from rq import get_current_job

from affiliate.payouts import processing, providers
from core.extensions import db
from core.jobs import PeriodicJob, job, jobs

log = logging.getLogger(__name__)


def _retries_remain() -> bool:
    """Whether RQ will run this job again if it raises (never in-process: no retries there)."""
    current = get_current_job()
    return bool(jobs.is_async and current is not None and current.should_retry)


@job
def process_withdrawal(withdrawal_id: int) -> str:
    """Pay one approved withdrawal; return what happened (for the log and the bench)."""
    order = processing.begin_payout(withdrawal_id)
    db.session.commit()  # processing is on record before any money can move
    if order is None:
        return "nothing to do"
    provider = providers.get_provider(order.provider)
    try:
        result = provider.transfer(
            amount=order.amount,
            currency=order.currency,
            destination=order.destination,
            idempotency_key=order.idempotency_key,
            description=order.description,
        )
    except providers.PermanentPayoutError as error:
        processing.record_payout_declined(order, str(error))
        return "failed"
    except providers.TransientPayoutError as error:
        final = not _retries_remain()
        processing.record_payout_unavailable(order, str(error), final=final)
        db.session.commit()
        if final:
            log.warning("withdrawal %s: provider unreachable, no retries left", withdrawal_id)
            return "failed, funds held"
        log.info("withdrawal %s: provider unreachable, RQ retries later: %s", withdrawal_id, error)
        raise
    processing.record_payout_paid(order, result)
    return "paid"


@job
def recover_stuck_payouts() -> dict[str, int]:
    """Settle payouts stuck in processing (worker died) or approved and never run."""
    stuck = processing.stuck_payouts()
    db.session.commit()  # no transaction stays open while the provider is asked
    outcomes: dict[str, int] = {}
    for item in stuck:
        found = None
        if item.status == "processing" and item.has_destination:
            try:
                found = providers.get_provider(item.provider).find_transfer(item.idempotency_key)
            except providers.PayoutProviderError as error:
                log.warning("recovery: withdrawal %s left for later: %s", item.withdrawal_id, error)
                outcomes["provider unavailable"] = outcomes.get("provider unavailable", 0) + 1
                continue
        outcome = processing.resolve_stuck(item, found)
        db.session.commit()
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if outcomes:
        log.info("payout recovery: %s", outcomes)
    return outcomes


RECOVER_STUCK_PAYOUTS = PeriodicJob(
    "affiliate.payouts.jobs.recover_stuck_payouts",
    queue="payouts",
    interval=300,
    description="resolve payouts stuck in processing (a worker died)",
)
