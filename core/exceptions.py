"""The one root of every refusal a service can make, carrying its HTTP status and field.

Each feature has a small hierarchy under ``DomainError`` (``PlanError``, ``PayoutError``, …);
views turn any of them into "roll back, say why, answer with the status" through
``core.web.refusals``.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the request; ``str(error)`` is safe to show to the user who asked."""

    status_code: int = 400
    #: The form field the refusal concerns, when there is one.
    field: str | None = None

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field

    @property
    def message(self) -> str:
        return str(self)
