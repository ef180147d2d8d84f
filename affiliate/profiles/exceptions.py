"""What can go wrong with creator profiles, each refusal carrying its HTTP status and form field.

``NotACreator`` lives here, the lowest package that needs it: plans refuse to invite an account
that is not a creator, and creators' codes are given only to creators.
"""

from __future__ import annotations

from core.exceptions import DomainError

HANDLE_RULE = "Use 3 to 30 characters: lowercase letters, digits, dots and underscores."


class ProfileError(DomainError):
    """A profile rule refused the change; nothing was written."""


class InvalidHandle(ProfileError):
    field = "handle"

    def __init__(self, message: str = HANDLE_RULE) -> None:
        super().__init__(message)


class HandleTaken(ProfileError):
    field = "handle"

    def __init__(self, message: str = "That handle is taken; choose another.") -> None:
        super().__init__(message)


class InvalidProfile(ProfileError):
    """A display name, figure or category choice that is not one."""


class NotACreator(ProfileError):
    """An account without the creator role (or no account at all)."""
