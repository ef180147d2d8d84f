"""Refusals of the commission rules."""

from __future__ import annotations

from core.exceptions import DomainError


class CommissionError(DomainError):
    pass


class NotHoldable(CommissionError):
    """Only a pending commission can be held: a settled or reversed one has left pending."""

    status_code = 409


class HoldClosed(CommissionError):
    status_code = 409
