"""Stripe.js on the pay page: its address, its origin, and that page's Content-Security-Policy.

Stripe.js is the one script the site loads from elsewhere, and only the pay page of a Stripe
payment loads it. That page's policy lets in the origin of ``STRIPE_JS_URL`` (its script, its
card-form frames, and its calls) and nothing else; for Stripe's own ``https://js.stripe.com``
it also lets in what Stripe documents that script needs: its API (``connect-src``) and its
3-D Secure frames (``frame-src``). Every other page keeps the site's policy.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from core.web.ops import content_security_policy

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
