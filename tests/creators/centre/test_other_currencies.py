"""The Creator centre's headline is in the platform's currency; earnings in others are named
beside it, each with its own wallet."""

from __future__ import annotations

from core.accounts.models import Role
from tests.factories import make_user
from tests.payouts.helpers import fund


def test_earnings_in_another_currency_are_named_with_their_wallet(app_ctx, client, auth):
    creator = make_user(Role.CREATOR)
    fund(creator.id, 5_184, currency="EUR")
    auth.login(creator.email)
    page = client.get("/creator/").get_data(as_text=True)
    assert 'id="other-currencies"' in page
    assert "€51.84 available" in page
    assert "/creator/wallet?currency=EUR" in page


def test_a_creator_earning_in_one_currency_sees_no_such_line(app_ctx, client, auth):
    creator = make_user(Role.CREATOR)
    fund(creator.id, 1_000)
    auth.login(creator.email)
    assert 'id="other-currencies"' not in client.get("/creator/").get_data(as_text=True)
