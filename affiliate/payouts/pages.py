"""What the wallet's and the Finance centre's views share: the answer each refusal of the
payouts services gets, labels for the timeline, and the compact form in which a bulk payout
run's withdrawals are remembered in the session."""

from __future__ import annotations

from collections.abc import Iterable

from affiliate.payouts.exceptions import (
    InvalidTransition,
    NotAllowed,
    PayoutAccountNotReady,
    PayoutError,
    ProviderUnavailable,
    WithdrawalNotFound,
)


def status_for(error: PayoutError) -> int:
    """The HTTP status of a refusal: 404 nothing there, 403 not yours to do, 409 not in a
    state that allows it, 503 the provider is not answering, else 400 (bad input)."""
    if isinstance(error, WithdrawalNotFound):
        return 404
    if isinstance(error, NotAllowed):
        return 403
    if isinstance(error, InvalidTransition | PayoutAccountNotReady):
        return 409
    if isinstance(error, ProviderUnavailable):
        return 503
    return 400


#: How each audit action of a withdrawal reads on its timeline.
TIMELINE_LABELS = {
    "withdrawal_requested": "Requested",
    "withdrawal_approval_recorded": "First approval",
    "withdrawal_approved": "Approved",
    "withdrawal_processing": "Payout started",
    "withdrawal_paid": "Paid",
    "withdrawal_rejected": "Rejected",
    "withdrawal_failed": "Failed",
    "withdrawal_retried": "Retried",
    "withdrawal_requeued": "Queued again",
    "withdrawal_funds_returned": "Funds returned",
    "withdrawal_transfer_unexpected": "Transfer to reconcile",
}


def timeline_label(action: str) -> str:
    return TIMELINE_LABELS.get(action, action.removeprefix("withdrawal_").replace("_", " ").title())


# A session cookie holds about 4 KB: a run's ids go in as ranges ("3-40,52"), and a run too
# scattered to fit is remembered by its start time alone.
MAX_RUN_TEXT = 1500


def encode_ids(ids: Iterable[int]) -> str | None:
    """``[1, 2, 3, 7]`` → ``"1-3,7"``; None if the text would be longer than ``MAX_RUN_TEXT``."""
    parts: list[str] = []
    run: list[int] = []
    for number in sorted(set(ids)):
        if run and number == run[-1] + 1:
            run.append(number)
            continue
        if run:
            parts.append(_span(run))
        run = [number]
    if run:
        parts.append(_span(run))
    text = ",".join(parts)
    return text if len(text) <= MAX_RUN_TEXT else None


def _span(run: list[int]) -> str:
    return str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}"


def decode_ids(text: str | None, *, limit: int = 10_000) -> list[int] | None:
    """The inverse of ``encode_ids``; None for anything malformed (or absurdly large)."""
    if not text:
        return None
    ids: list[int] = []
    try:
        for part in text.split(","):
            first, _, last = part.partition("-")
            low, high = int(first), int(last or first)
            if low <= 0 or high < low or len(ids) + high - low + 1 > limit:
                return None
            ids.extend(range(low, high + 1))
    except ValueError:
        return None
    return ids
