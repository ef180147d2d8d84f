"""What the fraud queue refuses."""

from __future__ import annotations

from core.exceptions import DomainError


class FraudError(DomainError):
    """A fraud-queue decision was refused."""


class NotAFraudHold(FraudError):
    """No such fraud hold (or one of another source): a 404, like an unknown id."""

    status_code = 404


class UnknownDecision(FraudError):
    """The decision or its reason is missing or malformed."""

    status_code = 400
