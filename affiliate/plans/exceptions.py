"""What can go wrong with affiliate plans, each type mapped to one outcome for the user.

Every error is a ``DomainError`` with a message the user can act on; ``status_code`` is the HTTP
answer a page gives with it (400 bad input, 403 not yours, 404 no such thing, 409 not in this
state) and ``field`` the form field it concerns. An account that is not a creator is
``affiliate.profiles.exceptions.NotACreator``; free samples add theirs in
``affiliate.plans.samples.exceptions``.
"""

from __future__ import annotations

from core.exceptions import DomainError
from core.states import IllegalTransition


class PlanError(DomainError):
    """A plan rule refused the change; nothing was written."""


class InvalidRate(PlanError):
    """A rate outside 1–80%, or not a percentage with at most two decimals."""

    field = "rate"


class InvalidWindow(PlanError):
    """An end before the start, or a date that is not one."""

    field = "ends_on"


class ProductNotInStore(PlanError):
    """A product that is not the store's own, is archived, or is not in the plan."""


class NotInvited(PlanError):
    """An invitation that is not addressed to this creator, or no longer waits for an answer."""

    status_code = 403


class PlanNotJoinable(PlanError):
    """A plan that is paused, ended, not started, or of a kind that cannot be joined."""

    status_code = 409


class StorePlanExists(PlanError):
    """One store plan per store."""

    status_code = 409


class IllegalPlanTransition(PlanError, IllegalTransition):
    """A move the plan's (or a membership's) state machine does not allow: ended is final.

    An ``IllegalTransition`` (409) that says why in the plan's words."""

    status_code = 409

    def __init__(
        self, message: str, *, machine: str = "plan", current: str | None = None, target: str = ""
    ) -> None:
        DomainError.__init__(self, message)
        self.machine = machine
        self.current = current
        self.target = target


class PlanEnded(IllegalPlanTransition):
    """The plan has ended: it takes no more changes."""

    def __init__(self, name: str) -> None:
        super().__init__(f"“{name}” has ended; it cannot change any more.", current="ended")


class NoApplicablePlan(PlanError):
    """No plan open to the creator covers the product: it cannot go in the showcase."""

    status_code = 409


class NotFound(PlanError):
    status_code = 404


class InvalidTier(PlanError):
    """A volume tier that would not rise (below the rate or a lower tier, above a higher one),
    a threshold that is not a positive whole number of orders, or one tier too many."""

    field = "min_orders"


class TierNotFound(PlanError):
    """A tier that is not in this plan (another seller's looks the same: it does not exist)."""

    status_code = 404
