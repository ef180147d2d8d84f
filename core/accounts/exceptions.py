"""What can go wrong with accounts, each mapped to one message for the user."""


class AccountError(Exception):
    """Base of account errors; ``str(error)`` is safe to show to the user."""


class EmailTaken(AccountError):
    def __init__(self) -> None:
        super().__init__("An account with this email already exists. Sign in instead?")


class WeakPassword(AccountError):
    pass


class InvalidCredentials(AccountError):
    def __init__(self) -> None:
        super().__init__("Wrong email or password.")


class AccountSuspended(AccountError):
    def __init__(self) -> None:
        super().__init__(
            "This account is suspended. Contact support if you think this is a mistake."
        )


class RoleNotAllowed(AccountError):
    pass


class SelfLockout(AccountError):
    pass
