"""What can go wrong with accounts, each mapped to one message, status and field."""

from __future__ import annotations

from core.exceptions import DomainError


class AccountError(DomainError):
    """Base of account errors; ``str(error)`` is safe to show to the user."""

    status_code = 409


class EmailTaken(AccountError):
    status_code = 400
    field = "email"

    def __init__(self) -> None:
        super().__init__("An account with this email already exists. Sign in instead?")


class WeakPassword(AccountError):
    status_code = 400
    field = "password"


class InvalidCredentials(AccountError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("Wrong email or password.")


class AccountSuspended(AccountError):
    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            "This account is suspended. Contact support if you think this is a mistake."
        )


class RoleNotAllowed(AccountError):
    pass


class SelfLockout(AccountError):
    pass
