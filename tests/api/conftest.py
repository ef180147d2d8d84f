"""Helpers for API tests: keys for users, and calls with them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.keys import services as keys
from api.keys.scopes import allowed_scopes
from core.accounts.models import User
from core.extensions import db


def make_key(user: User, scopes: str | list[str] = "all", name: str = "Test key") -> str:
    """A new key of ``user`` (``all``: every scope the user's roles allow); its secret."""
    if scopes == "all":
        wanted = sorted(allowed_scopes(user.role_set))
    else:
        wanted = [scopes] if isinstance(scopes, str) else scopes
    new = keys.create_key(user, name, wanted)
    db.session.commit()
    return new.secret


class Api:
    """Calls to ``/api/v1`` with a bearer key."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        key: str | None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ):
        sent = dict(headers or {})
        if key is not None:
            sent["Authorization"] = f"Bearer {key}"
        data = None if body is None else json.dumps(body)
        if data is not None:
            sent["Content-Type"] = "application/json"
        return self.client.open("/api/v1" + path, method=method, data=data, headers=sent, **kwargs)

    def get(self, path: str, key: str | None, **kwargs: Any):
        return self.call("GET", path, key, **kwargs)

    def post(self, path: str, key: str | None, body: Any = None, **kwargs: Any):
        return self.call("POST", path, key, body if body is not None else {}, **kwargs)

    def patch(self, path: str, key: str | None, body: Any = None, **kwargs: Any):
        return self.call("PATCH", path, key, body if body is not None else {}, **kwargs)


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


def is_problem(response, status: int) -> bool:
    return (
        response.status_code == status
        and response.mimetype == "application/problem+json"
        and response.get_json(force=True)["status"] == status
    )
