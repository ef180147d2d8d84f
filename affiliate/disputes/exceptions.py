"""Refusals of the dispute rules."""

from __future__ import annotations

from core.exceptions import DomainError


class DisputeError(DomainError):
    pass


class NotContestable(DisputeError):
    """The commission (or order line) cannot be the subject of this kind of case."""

    status_code = 409


class CaseAlreadyOpen(DisputeError):
    """One case at a time per commission (per order line for a claim)."""

    status_code = 409


class ClaimInvalid(DisputeError):
    """A missing-commission claim names an order or product that does not qualify."""

    status_code = 400


class CaseClosed(DisputeError):
    """The case was already decided or withdrawn."""

    status_code = 409


class NotYourCase(DisputeError):
    """Only the party who opened a case may withdraw it."""

    status_code = 403
