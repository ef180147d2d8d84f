"""What can go wrong in the CRM: each refusal says why."""

from __future__ import annotations

from core.exceptions import DomainError


class CrmError(DomainError):
    """A CRM rule refused the change; nothing was written."""


class InvalidTag(CrmError):
    field = "tag"


class TagLimit(CrmError):
    """A store has as many tags as it may."""

    field = "tag"
    status_code = 409


class InvalidNote(CrmError):
    field = "body"


class InvalidSegment(CrmError):
    field = "name"
