"""What the flat fees refuse. They are plan errors (``PlanError``), so every page that answers a
plan's refusal (accepting an invitation among them) answers these the same way."""

from __future__ import annotations

from affiliate.plans.exceptions import PlanError


class FlatFeeError(PlanError):
    """A flat-fee rule refused the change; nothing was written."""


class InvalidOffer(FlatFeeError):
    """An amount, a number of pieces or a review period out of bounds."""


class OfferNotAllowed(FlatFeeError):
    """A plan that is not targeted, has ended, or already has an offer."""

    status_code = 409


class SellerBalanceShort(FlatFeeError):
    """The seller's balance cannot hold the fee for the pieces offered."""

    status_code = 409


class SubmissionRefused(FlatFeeError):
    """Content that cannot go forward for the fee (not yours, no plan product, no piece left)."""

    status_code = 409


class InvalidDecision(FlatFeeError):
    """A decline without a reason, or a reason too long."""

    field = "reason"


class NotFound(FlatFeeError):
    status_code = 404
