"""Fixtures of the payout tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import core.jobs
from tests.payouts.helpers import Enqueued
from tests.stripe_stub import StripeStub


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> Enqueued:
    """Record the jobs enqueued at commit instead of running them in-process."""
    recorded = Enqueued()
    run = core.jobs.enqueue

    def record(func_path: str, *args: Any, **kwargs: Any) -> None:
        if func_path == "core.mail.jobs.queue_user_mail":
            run(func_path, *args, **kwargs)  # the mail is written as before: not recorded
            return
        if func_path == "core.mail.jobs.send_mail":
            return  # mail about withdrawals is tested in tests/payouts/test_mail.py
        recorded.calls.append((func_path, args, kwargs))

    monkeypatch.setattr(core.jobs, "enqueue", record)
    return recorded


@pytest.fixture
def stripe_stub() -> Iterator[StripeStub]:
    stub = StripeStub().start()
    yield stub
    stub.stop()
