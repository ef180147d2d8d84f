"""What can go wrong with free samples: ``PlanError``s, so a plan page answers them alike."""

from __future__ import annotations

from affiliate.plans.exceptions import IllegalPlanTransition, PlanError


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


class IllegalSampleTransition(SampleError, IllegalPlanTransition):
    """The request was already approved, declined or cancelled (an ``IllegalTransition``)."""

    def __init__(self, message: str, *, current: str | None = None, target: str = "") -> None:
        IllegalPlanTransition.__init__(
            self, message, machine="sample request", current=current, target=target
        )


class SampleOutOfStock(SampleError):
    """Approving failed: the variant is short of stock; the request still waits."""

    status_code = 409


class NudgeRefused(SampleError):
    """The sample owes no post now, or the seller already nudged the creator about it."""

    status_code = 409


class InvalidSampleRule(SampleError):
    """A rule or setting with a bad field: a negative threshold, a rate above 100%, no
    condition at all, a product that is not the store's."""
