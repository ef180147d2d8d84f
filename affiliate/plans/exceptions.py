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


# --- free samples ----------------------------------------------------------------------------


class SampleError(PlanError):
    """A sample request refused; nothing was written."""


class InvalidSampleRequest(SampleError):
    """A bad field: a note too short or too long, a variant or address that is not a choice."""


class SampleNotAllowed(SampleError):
    """The product is not in the creator's showcase, not on sale, or the creator's own."""

    status_code = 409


class SampleCapReached(SampleError):
    """The seller's cap on the product's sample requests is used up (or samples are off)."""

    status_code = 409


class SampleAlreadyRequested(SampleError):
    """The creator already has an open request for this product."""

    status_code = 409


class IllegalSampleTransition(SampleError):
    """The request was already approved, declined or cancelled."""

    status_code = 409


class SampleOutOfStock(SampleError):
    """Approving failed: the variant is short of stock; the request still waits."""

    status_code = 409
