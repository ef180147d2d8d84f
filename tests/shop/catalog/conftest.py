"""Fixtures for the seller's catalogue: a private upload directory and a signed-in seller."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import has_app_context

from core.accounts.models import Role
from core.extensions import db
from tests.conftest import Auth, IsolatedClient
from tests.factories import make_user
from tests.shop.factories import make_store


class ReleasingClient(IsolatedClient):
    """A client that ends the test's own transaction before each request.

    On SQLite every transaction is ``BEGIN IMMEDIATE``: a test that read a row under
    ``app_ctx`` would otherwise hold the write lock while the request waits for it. Committing
    keeps the test's objects (expired, so they reload fresh after the request).
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            db.session.commit()
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return ReleasingClient(app, app.response_class, use_cookies=True)


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch) -> Path:
    """Each test writes its images to a directory of its own."""
    directory = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(directory))
    return directory


@dataclass(frozen=True)
class SellerInfo:
    user_id: int
    email: str
    store_id: int
    currency: str


@pytest.fixture
def seller(app_ctx, client) -> SellerInfo:
    """A seller with a USD store, signed in on ``client``."""
    user = make_user(Role.SELLER, email="seller@example.com")
    store = make_store(owner=user, handle="glow-lab", name="Glow Lab")
    info = SellerInfo(user.id, user.email, store.id, store.currency)
    assert Auth(client).login(user.email).status_code == 302
    return info
