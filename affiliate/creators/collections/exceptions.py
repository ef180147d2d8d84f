"""What the collection rules refuse, each with its status and field."""

from __future__ import annotations

from core.exceptions import DomainError


class CollectionError(DomainError):
    status_code = 400


class InvalidCollection(CollectionError):
    field = "name"


class TooManyCollections(CollectionError):
    status_code = 409


class CollectionFull(CollectionError):
    status_code = 409
    field = "product_id"


class NotInShowcase(CollectionError):
    status_code = 409
    field = "product_id"


class AlreadyInCollection(CollectionError):
    status_code = 409
    field = "product_id"
