"""`flask demo seed` says how to make a Partner API key for the demo seller."""

from __future__ import annotations

from core.accounts.models import Role
from demo.api import seed_api_hint
from tests.api.conftest import make_key
from tests.factories import make_user


def test_seed_names_the_command_that_makes_a_key(app_ctx):
    hint = seed_api_hint()
    assert "flask api-keys create --email seller@example.com --scopes all" in hint
    assert "0 live key(s)" in hint


def test_seed_counts_the_demo_sellers_live_keys(app_ctx):
    seller = make_user(Role.SELLER, email="seller@example.com")
    make_key(seller)
    assert "1 live key(s)" in seed_api_hint()
