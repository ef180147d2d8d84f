"""Idempotency keys for payment providers, unique to this installation.

Two installations (production and a staging copy, say) may share one provider account; keys
such as ``refund-12`` would then collide and the provider would answer one installation with
the other's object. Every key therefore starts with a prefix of this installation:
``IDEMPOTENCY_KEY_PREFIX`` when set, else a short hash of the secret key and the database URL,
stable across restarts.
"""

from __future__ import annotations

import hashlib

from flask import current_app


def installation_prefix() -> str:
    configured = current_app.config.get("IDEMPOTENCY_KEY_PREFIX")
    if configured:
        return str(configured)
    config = current_app.config
    seed = f"{config.get('SECRET_KEY')}|{config.get('SQLALCHEMY_DATABASE_URI')}"
    return "yc" + hashlib.sha256(seed.encode()).hexdigest()[:12]


def idempotency_key(*parts: object) -> str:
    """``<installation>-<part>-<part>…``: the same parts give the same key in one installation."""
    return "-".join([installation_prefix(), *(str(part) for part in parts)])
