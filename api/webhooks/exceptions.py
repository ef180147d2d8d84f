"""Webhooks' refusals, under one ``WebhookError`` (a ``DomainError``): nothing was written."""

from __future__ import annotations

from core.exceptions import DomainError


class WebhookError(DomainError):
    """Base of every refusal of the webhooks services (400 unless it says otherwise)."""


class InvalidEndpointUrl(WebhookError):
    field = "url"


class InvalidEvents(WebhookError):
    field = "events"


class TooManyEndpoints(WebhookError):
    status_code = 409


class EndpointDisabled(WebhookError):
    status_code = 409
