"""Refusals of the API keys' services."""

from __future__ import annotations

from core.exceptions import DomainError


class ApiKeyError(DomainError):
    status_code = 400


class InvalidKeyName(ApiKeyError):
    field = "name"


class InvalidScopes(ApiKeyError):
    field = "scopes"


class KeyNotFound(ApiKeyError):
    status_code = 404
