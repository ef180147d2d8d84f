"""What can go wrong with affiliate plans, each type mapped to one outcome for the user.

Every error carries a message the user can act on; ``status_code`` is the HTTP answer a page
gives with it (400 bad input, 403 not yours, 404 no such thing, 409 not in this state).
"""

from __future__ import annotations


class PlanError(Exception):
    """A plan rule refused the change; nothing was written."""

    status_code = 400
    field = ""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class InvalidRate(PlanError):
    """A rate outside 1–80%, or not a percentage with at most two decimals."""

    field = "rate"


class InvalidWindow(PlanError):
    """An end before the start, or a date that is not one."""

    field = "ends_on"


class ProductNotInStore(PlanError):
    """A product that is not the store's own, is archived, or is not in the plan."""


class NotACreator(PlanError):
    """An account without the creator role (or no account at all)."""

    field = "creators"


class NotInvited(PlanError):
    """An invitation that is not addressed to this creator, or no longer waits for an answer."""

    status_code = 403


class PlanNotJoinable(PlanError):
    """A plan that is paused, ended, not started, or of a kind that cannot be joined."""

    status_code = 409


class StorePlanExists(PlanError):
    """One store plan per store."""

    status_code = 409


class IllegalPlanTransition(PlanError):
    """A status change the plan's state machine does not allow (ended is final)."""

    status_code = 409


class NoApplicablePlan(PlanError):
    """No plan open to the creator covers the product: it cannot go in the showcase."""

    status_code = 409


class NotFound(PlanError):
    status_code = 404
