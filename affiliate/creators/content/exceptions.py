"""What can go wrong with videos, lives and their yellow carts; ``str(error)`` is for the creator.

Every refusal is a ``ContentError`` (a ``core.exceptions.DomainError``) carrying its HTTP status
and, where there is one, the form field it concerns, so a view answers any of them with
``core.web.refusals.refuse``. A move a live's state forbids is also an ``IllegalTransition``
(409), worded for the creator rather than from the state table.
"""

from __future__ import annotations

from core.exceptions import DomainError
from core.states import IllegalTransition


class ContentError(DomainError):
    """Bad input about content: shown to the creator as it is (HTTP 400)."""


class ContentNotFound(ContentError):
    status_code = 404


class NotYours(ContentError):
    """Another creator's content: answered as missing (404) so ids do not leak."""

    status_code = 404


class NotInShowcase(ContentError):
    """A product for the yellow cart that is not in the creator's showcase (or not on sale)."""

    field = "products"


class TooManyProducts(ContentError):
    field = "products"


class InvalidLive(ContentError):
    """A live's title, time or stream URL is not acceptable."""


class IllegalLiveMove(ContentError, IllegalTransition):
    """A live cannot do that in its state (start twice, pin while scheduled...)."""

    status_code = 409

    def __init__(
        self, message: str, *, current: str | None = None, target: str | None = None
    ) -> None:
        DomainError.__init__(self, message)
        self.machine = "live"
        self.current = current
        self.target = target or ""


class NotOnLive(ContentError):
    """The product to pin is not in the live's yellow cart."""


class NotPinnable(ContentError):
    """The voucher cannot be pinned on this live."""


class InvalidVideo(ContentError):
    """A video's caption or source is wrong; ``field`` names the form field it belongs to."""


class InvalidUpload(InvalidVideo):
    """The uploaded file is not an mp4 or webm video (judged by its bytes)."""

    field = "file"


class TooLarge(InvalidUpload):
    status_code = 413
