"""What can go wrong with messages: each refusal says why, in words the sender can act on."""

from __future__ import annotations

from core.exceptions import DomainError


class MessageError(DomainError):
    """A messaging rule refused the change; nothing was written."""


class InvalidMessage(MessageError):
    """An empty message, one too long, or a card that is not the sender's to attach."""

    field = "body"


class WaitForReply(MessageError):
    """The seller sent as many messages as a creator may receive before answering."""

    status_code = 429


class FirstContactLimit(MessageError):
    """The store opened as many new conversations today as its allowance."""

    status_code = 429


class ConversationBlocked(MessageError):
    """One side blocked the other: nobody writes in the thread until it is lifted."""

    status_code = 403


class CannotMessage(MessageError):
    """Not a creator, no store, or messaging oneself."""

    status_code = 403


class InvalidReport(MessageError):
    """A report without a reason, or with one too long."""

    field = "reason"


class CardError(MessageError):
    """A card's action that does not fit the card (wrong side, wrong kind)."""

    status_code = 409
