"""The rules that the payouts' use cases and pages share: the configuration they read, the fee,
what makes an amount or a reason acceptable, and who may decide on a withdrawal, with
``officer_actions`` telling a finance page what to offer (the services refuse the same things).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from affiliate.payouts.exceptions import InvalidAmount, InvalidReason, NotAllowed, SelfApproval
from affiliate.payouts.models import REASON_LENGTH, WITHDRAWAL, Withdrawal, WithdrawalStatus
from core.accounts.models import Role, User
from core.money import MAX_MINOR_UNITS, format_money, parse_amount, split_fee

W = WithdrawalStatus


# ---------------------------------------------------------------------------- configuration


def fee_bps() -> int:
    """The withdrawal fee rate in basis points (``WITHDRAWAL_FEE_BPS``, 200 = 2%)."""
    return int(current_app.config["WITHDRAWAL_FEE_BPS"])


def _per_currency(setting: str, currency: str | None) -> int:
    """``setting`` for the currency: its entry in the ``…S`` table, else the plain setting (the
    default currency's, and any currency the table leaves out). Never converted."""
    table = current_app.config.get(f"{setting}S") or {}
    code = (currency or default_currency()).upper()
    if code != default_currency() and code in table:
        return int(table[code])
    return int(current_app.config[setting])


def min_amount(currency: str | None = None) -> int:
    """The smallest withdrawal in the currency's minor units (``WITHDRAWAL_MIN_AMOUNT``, per
    currency ``WITHDRAWAL_MIN_AMOUNTS``)."""
    return _per_currency("WITHDRAWAL_MIN_AMOUNT", currency)


def four_eyes_threshold(currency: str | None = None) -> int:
    """Withdrawals above this need two officers (``FOUR_EYES_THRESHOLD``, per currency
    ``FOUR_EYES_THRESHOLDS``)."""
    return _per_currency("FOUR_EYES_THRESHOLD", currency)


def stuck_after() -> timedelta:
    """How long a payout may sit in processing before recovery steps in."""
    return timedelta(minutes=int(current_app.config["PAYOUT_STUCK_MINUTES"]))


def payout_account_cooldown() -> timedelta:
    """How long new withdrawals wait after the payout account changed."""
    return timedelta(hours=int(current_app.config["PAYOUT_ACCOUNT_COOLDOWN_HOURS"]))


def tax_details_threshold(currency: str | None = None) -> int:
    """A calendar year's payouts in the currency above this need the creator's tax details
    (``TAX_DETAILS_THRESHOLD``, per currency ``TAX_DETAILS_THRESHOLDS``)."""
    return _per_currency("TAX_DETAILS_THRESHOLD", currency)


def default_currency() -> str:
    return str(current_app.config["DEFAULT_CURRENCY"]).upper()


def money_text(amount: int, currency: str) -> str:
    """An amount as people read it ("$98.00"), in the configured locale."""
    return format_money(amount, currency, current_app.config.get("MONEY_LOCALE", "en_US"))


# ---------------------------------------------------------------------------- the fee and amounts


def fee_for(amount: int, *, bps: int | None = None) -> tuple[int, int]:
    """Split ``amount`` into ``(fee, net)``: the fee is ``bps`` (default: config) half-up;
    ``fee + net == amount`` always."""
    return split_fee(amount, fee_bps() if bps is None else bps)


def parse_withdrawal_amount(text: str, currency: str | None = None) -> int:
    """Read what a creator typed ("100", "100.50") as minor units, or raise ``InvalidAmount``."""
    currency = (currency or default_currency()).upper()
    try:
        amount = parse_amount(str(text), currency)
    except ValueError:
        raise InvalidAmount(
            f"{str(text).strip()[:30] or 'An empty amount'!s} is not an amount in {currency}: "
            "use digits with at most two decimals, such as 100 or 100.50."
        ) from None
    check_amount(amount, currency)
    return amount


def check_amount(amount: object, currency: str | None = None) -> int:
    """Refuse what is not a whole, positive number of minor units at least the minimum."""
    currency = (currency or default_currency()).upper()
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise InvalidAmount("An amount is a whole number of cents.")
    if amount <= 0:
        raise InvalidAmount("The amount must be more than zero.")
    if amount > MAX_MINOR_UNITS:
        raise InvalidAmount("That amount is too large.")
    if amount < min_amount(currency):
        smallest = money_text(min_amount(currency), currency)
        raise InvalidAmount(f"The smallest withdrawal is {smallest}.")
    return amount


def clean_reason(reason: str | None) -> str:
    """A rejection's (or a return of funds') reason, spaces tidied; else ``InvalidReason``."""
    text = " ".join((reason or "").split())
    if not 3 <= len(text) <= REASON_LENGTH:
        raise InvalidReason(f"Give a reason of 3 to {REASON_LENGTH} characters.")
    return text


# ---------------------------------------------------------------------------- who decides


def require_officer(officer: User, w: Withdrawal) -> None:
    """Refuse anyone but an active finance officer, and any officer on their own withdrawal."""
    if not officer.has_role(Role.FINANCE) or officer.is_suspended:
        raise NotAllowed("Only finance officers can decide on withdrawals.")
    if officer.id == w.creator_id:
        raise SelfApproval("You cannot decide on your own withdrawal; another officer must.")


@dataclass(frozen=True)
class OfficerActions:
    """What one finance officer may do with one withdrawal now: what its pages offer."""

    own: bool  # the officer's own withdrawal: another officer decides
    in_review: bool  # requested: waiting for finance's approval or rejection
    open_decision: bool  # finance has something to decide (requested, approved or failed)
    can_approve: bool
    approved_already: bool  # this officer gave the first of two approvals
    first_of_two: bool  # an approval now would be the first of two (four eyes)
    awaiting_second: bool  # four eyes: one approval given, the second missing
    can_reject: bool
    can_retry: bool
    can_return_funds: bool


def officer_actions(w: Withdrawal, officer_id: int) -> OfficerActions:
    """What ``officer_id`` may do with ``w`` (its approvals loaded), by the services' rules."""
    own = w.creator_id == officer_id
    requested = w.status == W.REQUESTED.value
    failed = w.status == W.FAILED.value
    rejectable = WITHDRAWAL.can_move(w, W.REJECTED)
    approvers = {approval.officer_id for approval in w.approvals}
    approved_already = requested and officer_id in approvers
    return OfficerActions(
        own=own,
        in_review=requested,
        open_decision=requested or rejectable or failed,
        can_approve=requested and not own and not approved_already,
        approved_already=requested and not own and approved_already,
        first_of_two=w.needs_two_approvals and not approvers,
        awaiting_second=requested and w.needs_two_approvals and len(approvers) == 1,
        can_reject=rejectable and not own,
        can_retry=failed and not own,
        can_return_funds=failed and not own and w.funds_returned_at is None,
    )
