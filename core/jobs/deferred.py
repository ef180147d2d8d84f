"""Outbox rows committed by jobs in a worker, handed over in batches.

A request hands the rows it committed over at once (someone may be waiting for their job). A
worker running a backlog commits one or two rows a job, and handing each over alone costs a
transaction and a Redis round trip. While a worker runs a job (``deferring``), the rows its
commits wrote are kept here; the worker hands them over together when ``BATCH`` are kept, when
the oldest has waited ``MAX_WAIT_SECONDS``, when its queues are empty, and when it stops.

Nothing can be lost: a kept row is committed and due, so if the worker dies before handing it
over, the relay (every worker's start and maintenance, ``flask cron``) hands it over.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

BATCH = 50
MAX_WAIT_SECONDS = 1.0

_deferring: ContextVar[bool] = ContextVar("outbox_deferring", default=False)
_kept: list[int] = []
_oldest_at: float | None = None


@contextmanager
def deferring() -> Iterator[None]:
    """Keep the rows committed inside this block for a batch instead of handing them over."""
    token = _deferring.set(True)
    try:
        yield
    finally:
        _deferring.reset(token)


def active() -> bool:
    return _deferring.get()


def keep(ids: Iterable[int]) -> None:
    global _oldest_at
    before = len(_kept)
    _kept.extend(ids)
    if before == 0 and _kept:
        _oldest_at = time.monotonic()


def waiting() -> bool:
    """Whether any row is kept."""
    return bool(_kept)


def batch_due() -> bool:
    """Whether the kept rows should go now (enough of them, or the oldest waited long enough)."""
    if not _kept:
        return False
    waited = time.monotonic() - (_oldest_at or 0.0)
    return len(_kept) >= BATCH or waited >= MAX_WAIT_SECONDS


def take() -> list[int]:
    """The kept rows, forgotten here (the caller hands them over)."""
    global _oldest_at
    ids = list(_kept)
    _kept.clear()
    _oldest_at = None
    return ids
