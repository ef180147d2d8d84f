"""Payout accounts: where a creator's withdrawals are paid (one per creator).

With the simulated provider, the creator gives a bank-like destination and the account is
ready at once (only its last four digits are kept, in its id and display). With Stripe, an
Express account is created and stays pending until Stripe says (``account.updated``, or a
refresh) that it accepts transfers; the creator finishes onboarding at Stripe's link.

Each function flushes and audits; the caller commits. Provider errors come back as
``ProviderUnavailable`` (try later) or ``InvalidDestination`` (the details are wrong).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from affiliate.payouts import providers
from affiliate.payouts.exceptions import (
    InvalidDestination,
    NotAllowed,
    PayoutAccountNotReady,
    ProviderUnavailable,
)
from affiliate.payouts.models import PayoutAccount, PayoutAccountStatus
from affiliate.payouts.providers import BankDetails
from affiliate.payouts.rules import payout_account_cooldown
from core.accounts import security_mail
from core.accounts.models import Role, User
from core.accounts.recovery import require_verified
from core.audit import services as audit
from core.extensions import db
from core.notifications.services import notify
from core.types import utcnow

SUBJECT = "payout_account"
WALLET_PATH = "/creator/wallet"


def payout_account_of(creator_id: int) -> PayoutAccount | None:
    """The creator's payout account, if they connected one."""
    return db.session.scalar(select(PayoutAccount).where(PayoutAccount.creator_id == creator_id))


@dataclass(frozen=True)
class AccountChoices:
    """What the payout-account page offers the creator, given their account (if any) and the
    configured provider."""

    account: PayoutAccount | None
    provider: providers.PayoutProvider

    @property
    def enter_bank_details(self) -> bool:
        """The simulated provider: a bank-like destination is typed in (replacing any account)."""
        return self.provider.simulated

    @property
    def _account_here(self) -> PayoutAccount | None:
        """The creator's account if it is at the configured (real) provider."""
        if self.provider.simulated or self.account is None:
            return None
        return self.account if self.account.provider == self.provider.name else None

    @property
    def connect_at_provider(self) -> bool:
        """No account at the configured provider yet: the creator starts one there."""
        return not self.provider.simulated and self._account_here is None

    @property
    def finish_onboarding(self) -> bool:
        """An account at the provider that does not accept transfers yet: back to onboarding."""
        here = self._account_here
        return here is not None and not here.is_ready

    @property
    def onboarded(self) -> bool:
        """An account at the provider that accepts transfers: nothing more to do here."""
        here = self._account_here
        return here is not None and here.is_ready


def _creator(creator_id: int) -> User:
    creator = db.session.get(User, creator_id)
    if creator is None or not creator.has_role(Role.CREATOR) or creator.is_suspended:
        raise NotAllowed("Only creators can connect a payout account.")
    return creator


def connect_payout_account(
    creator_id: int,
    *,
    bank: BankDetails | None = None,
    provider: providers.PayoutProvider | None = None,
) -> PayoutAccount:
    """Create (or replace) the creator's payout account at the configured provider.

    Simulated: ``bank`` is required and the account is ready at once. Stripe: an Express
    account is created (pending until onboarding is done); an existing Stripe account is
    kept, so asking again never makes a second one.
    """
    creator = _creator(creator_id)
    require_verified(creator, "connect a payout account")
    provider = provider or providers.get_provider()
    existing = payout_account_of(creator_id)
    if existing is not None and existing.provider == provider.name and not provider.simulated:
        return existing
    if provider.simulated:
        if bank is None:
            raise InvalidDestination("Enter the account holder, routing and account numbers.")
        problems = bank.problems()
        if problems:
            raise InvalidDestination(" ".join(problems))
    try:
        made = provider.create_account(creator_id=creator.id, email=creator.email, bank=bank)
    except providers.PermanentPayoutError as error:
        raise InvalidDestination(str(error)) from None
    except providers.TransientPayoutError as error:
        raise ProviderUnavailable(f"The payout provider is not answering: {error}") from None
    now = utcnow()
    before = existing.status if existing else None
    previous_display = existing.display if existing else None
    account = existing or PayoutAccount(creator_id=creator.id, created_at=now)
    account.provider = provider.name
    account.external_id = made.external_id
    account.status = made.status.value
    account.display = made.display
    account.updated_at = now
    account.status_event_at = None
    if existing is not None:
        account.cooldown_until = now + payout_account_cooldown()
    db.session.add(account)
    db.session.flush()
    audit.record(
        actor_id=creator.id,
        action="payout_account_changed" if existing else "payout_account_connected",
        subject_type=SUBJECT,
        subject_id=account.id,
        from_state=before,
        to_state=account.status,
        reason=f"{provider.name}: {previous_display + ' → ' if previous_display else ''}"
        f"{made.display}",
    )
    if existing is None:
        message = f"Payout account connected: {made.display} ({made.status.label.lower()})."
    else:
        message = (
            f"Your payout account was changed from {previous_display} to {made.display}. "
            f"New withdrawals open again on {account.cooldown_until:%b %d, %Y at %H:%M} UTC. "
            "If you did not make this change, change your password and contact support now."
        )
    notify(
        creator.id,
        message,
        kind="payout_account.changed" if existing else "payout_account.connected",
        link=WALLET_PATH,
    )
    if existing is not None:
        security_mail.payout_account_changed(
            creator,
            before=previous_display or "your previous account",
            after=made.display,
            opens_at=f"{account.cooldown_until:%b %d, %Y at %H:%M} UTC",
        )
    return account


def cooling_down_until(
    account: PayoutAccount | None, at: datetime | None = None
) -> datetime | None:
    """When new withdrawals open again after a change of payout account (None: they are open)."""
    if account is None or account.cooldown_until is None:
        return None
    return account.cooldown_until if (at or utcnow()) < account.cooldown_until else None


def onboarding_link(creator_id: int, *, refresh_url: str, return_url: str) -> str | None:
    """Where the creator finishes setting up their account at the provider (None: nothing to
    finish, as with the simulated provider)."""
    account = payout_account_of(creator_id)
    if account is None:
        raise PayoutAccountNotReady("Connect a payout account first.")
    try:
        return providers.get_provider(account.provider).onboarding_link(
            account.external_id, refresh_url=refresh_url, return_url=return_url
        )
    except providers.PayoutProviderError as error:
        raise ProviderUnavailable(f"The payout provider is not answering: {error}") from None


def refresh_status(creator_id: int) -> PayoutAccount:
    """Ask the provider for the account's status now (after onboarding, say) and record it."""
    account = payout_account_of(creator_id)
    if account is None:
        raise PayoutAccountNotReady("Connect a payout account first.")
    try:
        status = providers.get_provider(account.provider).account_status(account.external_id)
    except providers.PayoutProviderError as error:
        raise ProviderUnavailable(f"The payout provider is not answering: {error}") from None
    _set_status(account, status, actor_id=creator_id, why="refreshed from the provider")
    return account


def apply_provider_status(
    provider_name: str,
    external_id: str,
    status: PayoutAccountStatus,
    *,
    event_at: datetime,
) -> PayoutAccount | None:
    """Record a status the provider announced (a webhook); None if no account has this id.

    An event older than the newest one applied changes nothing (webhooks arrive out of
    order), and the same event twice changes nothing the second time.
    """
    account = db.session.scalar(
        select(PayoutAccount)
        .where(PayoutAccount.provider == provider_name, PayoutAccount.external_id == external_id)
        .with_for_update()
    )
    if account is None:
        return None
    if account.status_event_at is not None and event_at < account.status_event_at:
        return account
    account.status_event_at = event_at
    _set_status(account, status, actor_id=None, why=f"{provider_name} webhook")
    return account


def _set_status(
    account: PayoutAccount, status: PayoutAccountStatus, *, actor_id: int | None, why: str
) -> None:
    before = account.status
    account.updated_at = utcnow()
    if before == status.value:
        return
    account.status = status.value
    audit.record(
        actor_id=actor_id,
        action="payout_account_status_changed",
        subject_type=SUBJECT,
        subject_id=account.id,
        from_state=before,
        to_state=status.value,
        reason=why,
    )
    messages = {
        PayoutAccountStatus.READY: "Your payout account is ready: you can withdraw.",
        PayoutAccountStatus.RESTRICTED: "Your payout account is restricted by the provider: "
        "withdrawals wait until it is fixed.",
        PayoutAccountStatus.PENDING: "Your payout account needs more details at the provider.",
    }
    notify(account.creator_id, messages[status], kind="payout_account.status", link=WALLET_PATH)
    db.session.flush()


def provider_label() -> str:
    """How the configured provider calls itself ("Simulated payouts (no real transfers)")."""
    return providers.get_provider(str(current_app.config["PAYOUT_PROVIDER"])).label
