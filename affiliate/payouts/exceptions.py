"""Payouts' refusals, under one ``PayoutError`` (a ``DomainError``). Each one means nothing was
written; its message is for the person who asked (a creator or a finance officer), and its
``status_code`` is the HTTP answer, so a view hands it to ``core.web.refusals.refuse`` as it is.

The payout providers' own errors (``providers.PayoutProviderError``) are not refusals: the
services and the payout job translate them (``ProviderUnavailable``, ``InvalidDestination``,
a failed withdrawal).
"""

from __future__ import annotations

from core.exceptions import DomainError
from core.states import IllegalTransition


class PayoutError(DomainError):
    """Base of every refusal of the payouts services: bad input (400) unless it says otherwise."""


class InvalidAmount(PayoutError):
    """The amount is not a whole number of cents, not positive, or below the minimum."""

    field = "amount"


class InsufficientBalance(PayoutError):
    """The available balance does not cover the amount (nothing was held)."""

    field = "amount"


class PayoutAccountNotReady(PayoutError):
    """The creator has no payout account, or the provider does not accept transfers to it."""

    status_code = 409


class InvalidRequestToken(PayoutError):
    """The form's one-time token is missing, malformed, or was used for another request."""


class WithdrawalNotFound(PayoutError):
    """No withdrawal has this id."""

    status_code = 404


class NotAllowed(PayoutError):
    """This person may not do this (not finance, or not the creator)."""

    status_code = 403


class SelfApproval(NotAllowed):
    """A finance officer may not decide on their own withdrawal."""


class DuplicateApproval(NotAllowed):
    """This officer already approved: the second approval must come from someone else."""


class InvalidTransition(PayoutError, IllegalTransition):
    """The withdrawal's state does not allow this (approving a paid one, returning its funds
    twice), in the payouts' own words.

    An ``IllegalTransition`` (409) like the one that the withdrawal's state machine raises for a
    move its table lacks, so that a caller catches both as one.
    """

    status_code = 409

    def __init__(self, message: str, *, current: str | None = None, target: str = "") -> None:
        DomainError.__init__(self, message)
        self.machine = "withdrawal"
        self.current = current
        self.target = target


class InvalidReason(PayoutError):
    """A rejection (or a return of funds) needs a reason of 3 to 500 characters."""


class ProviderUnavailable(PayoutError):
    """The payout provider could not be asked; nothing changed, try again later."""

    status_code = 503


class InvalidDestination(PayoutError):
    """The payout destination given (a bank-like account for the simulated provider) is bad."""


class PayoutAccountCoolingDown(PayoutError):
    """The payout account changed recently: new withdrawals wait for the cool-down."""

    status_code = 409


class TaxDetailsRequired(PayoutError):
    """This withdrawal takes the year's payouts past the threshold: tax details first."""

    status_code = 409


class InvalidTaxDetails(PayoutError):
    """The tax details as typed cannot be accepted."""
