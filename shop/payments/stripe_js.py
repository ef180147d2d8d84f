"""Stripe.js on the pay page: its address, its origin, that page's Content-Security-Policy, and
the card form's settings for the buyer who pays (``card_for``).

Stripe.js is the one script the site loads from elsewhere, and only the pay page of a Stripe
payment loads it. That page's policy lets in the origin of ``STRIPE_JS_URL`` (its script, its
card-form frames, and its calls) and nothing else; for Stripe's own ``https://js.stripe.com``
it also lets in what Stripe documents that script needs: its API (``connect-src``) and its
3-D Secure frames (``frame-src``). Every other page keeps the site's policy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

from core.extensions import db
from core.web.ops import content_security_policy
from shop.payments.base import PaymentProvider, ProviderError, ProviderStatus
from shop.payments.models import Payment
from shop.payments.stripe_provider import StripeProvider

log = logging.getLogger(__name__)

DEFAULT_URL = "https://js.stripe.com/v3/"
#: What Stripe's own script reaches besides its origin (Stripe's CSP guide).
COMPANIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "https://js.stripe.com": {
        "connect-src": ("https://api.stripe.com",),
        "frame-src": ("https://hooks.stripe.com",),
    }
}


def script_url() -> str:
    return str(current_app.config.get("STRIPE_JS_URL") or DEFAULT_URL)


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an http(s) URL; ``ValueError`` for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or "@" in parts.netloc:
        raise ValueError(f"STRIPE_JS_URL must be an http(s) URL, not {url!r}")
    return f"{parts.scheme}://{parts.netloc}".lower()


def pay_page_policy() -> str:
    """The site's policy, plus Stripe.js's origin in ``script-src``, ``frame-src`` and
    ``connect-src`` (and Stripe's documented companions for its own origin)."""
    origin = origin_of(script_url())
    extra: dict[str, list[str]] = {
        "script-src": [origin],
        "frame-src": [origin],
        "connect-src": [origin],
    }
    for directive, sources in COMPANIONS.get(origin, {}).items():
        extra[directive].extend(sources)
    return content_security_policy(extra)


@dataclass(frozen=True)
class StripeCard:
    """What the pay page needs to mount Stripe.js's card form for its buyer.

    ``client_secret`` lets a browser confirm the PaymentIntent: it is rendered only on the
    pay page of the buyer who owns the payment (``get_payment_or_404``), never stored.
    """

    script_url: str
    publishable_key: str
    client_secret: str
    confirming: bool  # Stripe has taken the card; we wait for its signed webhook


def card_for(
    payment: Payment, provider: PaymentProvider
) -> tuple[StripeCard | None, str | None, str | None]:
    """The card form's settings, or why it cannot be shown: ``(card, problem, closed)``.

    Ends the request's transaction before it asks Stripe: no transaction (nor SQLite's lock)
    stays open during the call.
    """
    if not isinstance(provider, StripeProvider) or not payment.provider_ref:
        return None, None, None  # not opened with Stripe yet: the page offers to try again
    key = current_app.config.get("STRIPE_PUBLISHABLE_KEY")
    if not key:
        log.error("payment %s: STRIPE_PUBLISHABLE_KEY is not set; no card form", payment.id)
        return None, "Card payments are not set up here yet. Please try again later.", None
    ref = payment.provider_ref
    db.session.commit()  # end the read before the call
    try:
        intent = provider.retrieve(ref)
    except ProviderError as error:
        log.warning("payment %s: could not read %s from Stripe: %s", payment.id, ref, error)
        return None, "We could not reach the card processor. Reload this page in a moment.", None
    if intent.status is ProviderStatus.CANCELLED:
        return None, None, "This payment was cancelled with the card processor."
    if not intent.client_secret:
        return None, "The card processor did not open this payment. Please try again.", None
    card = StripeCard(
        script_url=script_url(),
        publishable_key=str(key),
        client_secret=intent.client_secret,
        confirming=intent.status is ProviderStatus.SUCCEEDED,
    )
    return card, None, None
