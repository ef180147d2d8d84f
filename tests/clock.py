"""Moments for tests, taken from the real clock so that the suite passes on any date.

A test that builds its rows around a fixed day agrees with the code under test only while
nothing reads the real clock (a page, a service's default ``now``) and that day is near; a
moment from here moves with the calendar instead. A test that needs a given weekday or hour of
the clock freezes time (``freezegun.freeze_time``) instead.

CI runs the suite once more a year ahead, under libfaketime: ``skip_under_faketime`` marks a
test that cannot run there, for a reason of the library's and never of the date.
"""

from __future__ import annotations

import os
from datetime import datetime

import pytest

from core.types import utcnow


def now_to_the_minute() -> datetime:
    """The current UTC time, to the whole minute (as a ``datetime-local`` input gives it)."""
    return utcnow().replace(second=0, microsecond=0)


def today_at(hour: int, minute: int = 0) -> datetime:
    """Today (UTC) at ``hour:minute``, which may be ahead of the real clock: for a test that
    needs room on both sides of a moment within the same UTC day (noon gives twelve hours)."""
    return utcnow().replace(hour=hour, minute=minute, second=0, microsecond=0)


def under_faketime() -> bool:
    """Whether libfaketime shifts this process's clock (``faketime '+365 days' pytest``)."""
    return bool(os.environ.get("FAKETIME")) or "faketime" in os.environ.get("LD_PRELOAD", "")


# libfaketime 0.9.10 with FAKETIME_DONT_FAKE_MONOTONIC=1 (without it, timed waits hang) makes
# time.sleep() raise OSError(22, 'Invalid argument'): Python 3.11+ sleeps with clock_nanosleep()
# on the monotonic clock until an absolute deadline, which the library gets wrong.
skip_under_faketime = pytest.mark.skipif(
    under_faketime(),
    reason="time.sleep() raises OSError(22) under libfaketime; runs in the other CI runs",
)
