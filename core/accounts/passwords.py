"""Password hashing with argon2id; its cost is configuration (cheap in tests, strong elsewhere)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask


class Passwords:
    def __init__(self) -> None:
        self._hasher = PasswordHasher()
        self._dummy_hash: str | None = None

    def init_app(self, app: Flask) -> None:
        self._hasher = PasswordHasher(
            time_cost=app.config["ARGON2_TIME_COST"],
            memory_cost=app.config["ARGON2_MEMORY_COST"],
        )
        self._dummy_hash = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Check a password; with no hash, spend the same time so timing reveals nothing."""
        if password_hash is None:
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash("not-a-real-password")
            password_hash = self._dummy_hash
            password = password + "\0"
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


passwords = Passwords()
