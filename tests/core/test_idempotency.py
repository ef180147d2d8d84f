"""Idempotency keys sent to providers carry a prefix of this installation."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from core.idempotency import idempotency_key, installation_prefix
from tests.conftest import make_test_app


def key_of(app: Flask, *parts: object) -> str:
    with app.app_context():
        return idempotency_key(*parts)


def test_two_databases_give_different_keys_and_one_gives_the_same(tmp_path: Path) -> None:
    first = make_test_app(f"sqlite:///{tmp_path / 'one.db'}")
    second = make_test_app(f"sqlite:///{tmp_path / 'two.db'}")
    first_again = make_test_app(f"sqlite:///{tmp_path / 'one.db'}")  # a restart

    key = key_of(first, "payment", 7)

    assert key.endswith("-payment-7")
    assert key != "payment-7"
    assert key_of(first, "payment", 7) == key
    assert key_of(first_again, "payment", 7) == key
    assert key_of(second, "payment", 7) != key
    assert key_of(first, "payment", 8) != key


def test_the_secret_key_is_part_of_the_prefix(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    one = make_test_app(url)
    other = make_test_app(url, SECRET_KEY="another-secret-key-for-this-test-0123456789")
    assert key_of(one, "refund", 1) != key_of(other, "refund", 1)


def test_a_configured_prefix_wins(tmp_path: Path) -> None:
    app = make_test_app(f"sqlite:///{tmp_path / 'one.db'}", IDEMPOTENCY_KEY_PREFIX="staging")
    assert key_of(app, "payment", 7) == "staging-payment-7"
    with app.app_context():
        assert installation_prefix() == "staging"


def test_the_default_prefix_is_short_and_safe_for_stripe(tmp_path: Path) -> None:
    app = make_test_app(f"sqlite:///{tmp_path / 'one.db'}")
    with app.app_context():
        prefix = installation_prefix()
    assert prefix.isascii()
    assert prefix.isalnum()
    assert 8 <= len(prefix) <= 20
