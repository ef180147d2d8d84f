"""Payouts' errors. Each one means nothing was written; its message is for the person who
asked (a creator or a finance officer), so a view can flash it as it is."""

from __future__ import annotations


class PayoutError(Exception):
    """Base of every refusal of the payouts services."""


class InvalidAmount(PayoutError):
    """The amount is not a whole number of cents, not positive, or below the minimum."""


class InsufficientBalance(PayoutError):
    """The available balance does not cover the amount (nothing was held)."""


class PayoutAccountNotReady(PayoutError):
    """The creator has no payout account, or the provider does not accept transfers to it."""


class InvalidRequestToken(PayoutError):
    """The form's one-time token is missing, malformed, or was used for another request."""


class WithdrawalNotFound(PayoutError):
    """No withdrawal has this id."""


class NotAllowed(PayoutError):
    """This person may not do this (not finance, or not the creator)."""


class SelfApproval(NotAllowed):
    """A finance officer may not decide on their own withdrawal."""


class DuplicateApproval(NotAllowed):
    """This officer already approved: the second approval must come from someone else."""


class InvalidTransition(PayoutError):
    """The withdrawal is not in a state that allows this (e.g. approving a paid one)."""


class InvalidReason(PayoutError):
    """A rejection (or a return of funds) needs a reason of 3 to 500 characters."""


class ProviderUnavailable(PayoutError):
    """The payout provider could not be asked; nothing changed, try again later."""


class InvalidDestination(PayoutError):
    """The payout destination given (a bank-like account for the simulated provider) is bad."""
