"""Fixtures of the product sync tests: a signed-in seller with a store, uploads in tmp."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient

from core.accounts.models import Role
from core.extensions import db
from shop.catalog.models import Store
from shop.sync.csv_format import COLUMNS
from tests.conftest import Auth, IsolatedClient, csrf_token
from tests.factories import make_user
from tests.shop.factories import make_store

SELLER_EMAIL = "seller-sync@example.com"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(app: Flask, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))


@pytest.fixture(autouse=True)
def _end_test_transaction_before_requests(monkeypatch) -> None:
    """End the test's own transaction before each request, as a second process would see it.

    On SQLite every transaction takes the write lock (``BEGIN IMMEDIATE``), so a test that
    read something and then sends a request would otherwise wait on itself.
    """
    original = IsolatedClient.open

    def open_(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(IsolatedClient, "open", open_)


@dataclass
class Seller:
    client: FlaskClient
    store_id: int
    user_id: int


@pytest.fixture
def seller(app_ctx, client) -> Seller:
    user = make_user(Role.SELLER, email=SELLER_EMAIL)
    store = make_store(user, handle="sync-store", currency="USD")
    assert Auth(client).login(SELLER_EMAIL).status_code == 302
    return Seller(client, store.id, user.id)


def store_of(seller: Seller) -> Store:
    return db.session.get_one(Store, seller.store_id)


def csv_bytes(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> bytes:
    lines = [",".join(columns)]
    for row in rows:
        lines.append(",".join(_quote(str(row.get(c, ""))) for c in columns))
    return ("\n".join(lines) + "\n").encode()


def _quote(value: str) -> str:
    if any(ch in value for ch in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def row(handle: str, sku: str, price: str = "10.00", **values: str) -> dict[str, str]:
    """A CSV row; ``title`` and ``category`` default to the first row of a new product."""
    return {
        "handle": handle,
        "sku": sku,
        "price": price,
        "title": values.pop("title", handle.replace("-", " ").title()),
        "category": values.pop("category", "beauty-skincare"),
        **values,
    }


def upload(client: FlaskClient, data: bytes, filename: str = "products.csv"):
    return post_file(client, data, filename, csrf_token(client))


def post_file(client: FlaskClient, data: bytes, filename: str, token: str | None):
    form = {"file": (io.BytesIO(data), filename)}
    if token is not None:
        form["csrf_token"] = token
    response = client.post("/seller/imports", data=form, content_type="multipart/form-data")
    # The test client spools a large body to a temporary file and leaves it open.
    response.request.environ["wsgi.input"].close()
    return response


def import_id_of(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def commit(client: FlaskClient, import_id: int):
    return client.post(
        f"/seller/imports/{import_id}/commit", data={"csrf_token": csrf_token(client)}
    )
