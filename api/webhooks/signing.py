"""Signatures of deliveries, in the scheme Stripe uses.

The header is ``Yellowcart-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``, the HMAC keyed
with the endpoint's secret over ``"<t>.<raw body>"``. A receiver recomputes it over the raw
bytes it got, compares in constant time, and refuses a ``t`` older than its tolerance (five
minutes by default) so that a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "Yellowcart-Signature"
EVENT_ID_HEADER = "Yellowcart-Event-Id"
EVENT_TYPE_HEADER = "Yellowcart-Event-Type"
DEFAULT_TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"  # noqa: S105  # a label, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def compute(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={compute(secret, timestamp, body)}"


def verify(
    secret: str,
    body: bytes,
    signature_header: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: int | None = None,
) -> bool:
    """Whether ``signature_header`` signs ``body`` with ``secret`` within ``tolerance`` seconds."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in signature_header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    current = int(time.time()) if now is None else now
    if tolerance and abs(current - timestamp) > tolerance:
        return False
    expected = compute(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
