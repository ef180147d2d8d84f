"""A short-lived, per-process memo of the centres' period figures.

The Creator centre and the seller's affiliate tab sum tens of thousands of commission lines
and events for a period on every load; a seller or creator reloading the page (or several
tabs) would repeat that work each time. ``remember(key, build)`` keeps what ``build`` returned
for ``CENTRE_FIGURES_SECONDS`` (60 by default; 0 turns it off). Keys always name the creator
or store they are about, so one account's figures never serve another. Values are plain
frozen data (no ORM objects), safe to share between requests. Only figures go here: balances,
commission lines, orders and queues are read live on every request. A kept centre page
(``core.web.privatepages``) that shows a remembered figure expires with it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from datetime import timedelta
from typing import Any, TypeVar

from flask import current_app

from core.types import utcnow
from core.web.pageclock import not_after

T = TypeVar("T")
MAX_ENTRIES = 2_000
_EXTENSION = "centre_figures"


class _Memo:
    def __init__(self) -> None:
        self.entries: dict[Hashable, tuple[float, Any]] = {}
        self.lock = threading.Lock()


def remember(key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, or what it returned for ``key`` less than ``CENTRE_FIGURES_SECONDS`` ago."""
    seconds = float(current_app.config.get("CENTRE_FIGURES_SECONDS", 0))
    if seconds <= 0:
        return build()
    memo: _Memo = current_app.extensions.setdefault(_EXTENSION, _Memo())
    now = time.monotonic()
    found = memo.entries.get(key)
    if found is not None and found[0] > now:
        not_after(utcnow() + timedelta(seconds=found[0] - now))  # a kept page ages with it
        value: T = found[1]
        return value
    not_after(utcnow() + timedelta(seconds=seconds))
    value = build()
    with memo.lock:
        if len(memo.entries) >= MAX_ENTRIES:
            memo.entries = {k: v for k, v in memo.entries.items() if v[0] > now}
            if len(memo.entries) >= MAX_ENTRIES:
                memo.entries.clear()
        memo.entries[key] = (now + seconds, value)
    return value


def forget_all() -> None:
    """Drop every remembered figure of this app (tests; after a bulk correction)."""
    current_app.extensions.pop(_EXTENSION, None)
