"""Creator balances and withdrawals; finance review, four eyes, payout runs, exports."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from affiliate.payouts.models import Withdrawal
from api.keys import services as keys
from api.keys.exceptions import InvalidScopes
from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from core.types import utcnow
from tests.api.conftest import is_problem, make_key
from tests.factories import make_user
from tests.payouts.helpers import make_creator


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_balances_per_currency(app_ctx, api):
    creator = make_creator(balance=50_00)
    body = api.get("/balances", make_key(creator)).get_json()
    usd = next(b for b in body["data"] if b["currency"] == "USD")
    assert usd["available"] == {"amount": 5000, "currency": "USD"}
    assert usd["can_withdraw"] is True


def test_fee_preview(app_ctx, api):
    creator = make_creator(balance=50_00)
    body = api.get("/withdrawals/preview?amount=2000", make_key(creator)).get_json()
    assert body["fee"]["amount"] == 40
    assert body["net"]["amount"] == 1960
    assert body["enough_available"] is True


def test_requests_lists_and_gets_a_withdrawal(app_ctx, api):
    creator = make_creator(balance=50_00)
    key = make_key(creator)
    created = api.post("/withdrawals", key, {"amount": 2000})
    assert created.status_code == 201, created.get_json()
    withdrawal = created.get_json()
    assert (withdrawal["fee"]["amount"], withdrawal["net"]["amount"]) == (40, 1960)
    assert [w["id"] for w in api.get("/withdrawals", key).get_json()["data"]] == [withdrawal["id"]]
    assert api.get(f"/withdrawals/{withdrawal['id']}", key).get_json()["status"] == "requested"


def test_withdrawing_more_than_available_is_refused(app_ctx, api):
    creator = make_creator(balance=15_00)
    response = api.post("/withdrawals", make_key(creator), {"amount": 2000})
    assert is_problem(response, 422)
    assert response.get_json()["errors"][0]["field"] == "amount"


def test_idempotent_withdrawal_holds_once(app_ctx, api):
    creator = make_creator(balance=50_00)
    key = make_key(creator)
    headers = {"Idempotency-Key": "w-1"}
    first = api.post("/withdrawals", key, {"amount": 2000}, headers=headers)
    again = api.post("/withdrawals", key, {"amount": 2000}, headers=headers)
    assert first.get_json()["id"] == again.get_json()["id"]
    others = select(Withdrawal.id).where(Withdrawal.id != first.get_json()["id"])
    assert db.session.scalar(others) is None


def test_another_creators_withdrawal_is_404(app_ctx, api):
    one, two = make_creator(balance=50_00), make_creator(balance=50_00)
    created = api.post("/withdrawals", make_key(one), {"amount": 2000}).get_json()
    assert is_problem(api.get(f"/withdrawals/{created['id']}", make_key(two)), 404)


def test_a_creator_key_cannot_reach_finance(app_ctx, api):
    creator = make_creator(balance=50_00)
    assert is_problem(api.get("/finance/withdrawals", make_key(creator)), 403)


def test_finance_reviews_the_queue(app_ctx, api):
    creator = make_creator(balance=50_00)
    api.post("/withdrawals", make_key(creator), {"amount": 2000})
    officer = make_user(Role.FINANCE)
    body = api.get("/finance/withdrawals", make_key(officer)).get_json()
    assert len(body["data"]) == 1
    assert body["data"][0]["creator"]["id"] == creator.id


def test_finance_approves_and_it_is_audited_with_the_key(app_ctx, api):
    creator = make_creator(balance=50_00)
    created = api.post("/withdrawals", make_key(creator), {"amount": 2000}).get_json()
    officer = make_user(Role.FINANCE)
    response = api.post(
        f"/finance/withdrawals/{created['id']}/approve", make_key(officer, name="Finance bot")
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] != "requested"
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api.approve_withdrawal")
    ).one()
    assert "Finance bot" in event.reason


def test_four_eyes_needs_a_second_officer(app, app_ctx, api):
    creator = make_creator(balance=3000_00)
    created = api.post("/withdrawals", make_key(creator), {"amount": 2000_00}).get_json()
    assert created["approvals_needed"] == 2
    first = make_key(make_user(Role.FINANCE))
    path = f"/finance/withdrawals/{created['id']}/approve"
    once = api.post(path, first).get_json()
    assert (once["status"], once["approvals"]) == ("requested", 1)
    assert api.post(path, first).status_code in {403, 409}
    second = api.post(path, make_key(make_user(Role.FINANCE))).get_json()
    assert second["status"] != "requested"


def test_finance_rejects_with_a_reason(app_ctx, api):
    creator = make_creator(balance=50_00)
    created = api.post("/withdrawals", make_key(creator), {"amount": 2000}).get_json()
    response = api.post(
        f"/finance/withdrawals/{created['id']}/reject",
        make_key(make_user(Role.FINANCE)),
        {"reason": "Suspicious"},
    )
    assert response.get_json()["status"] == "rejected"


def test_a_non_staff_user_cannot_hold_finance_scopes(app_ctx):
    seller = make_user(Role.SELLER, Role.CREATOR)
    try:
        keys.create_key(seller, "x", ["finance:write"])
    except InvalidScopes:
        return
    raise AssertionError("a seller got finance:write")


def test_payout_runs(app_ctx, api):
    body = api.get("/finance/payout-runs", make_key(make_user(Role.FINANCE))).get_json()
    assert body["currency"] == "USD"
    assert "paid" in body["counts"]


def test_exports_withdrawals_as_csv(app_ctx, api):
    creator = make_creator(balance=50_00)
    api.post("/withdrawals", make_key(creator), {"amount": 2000})
    start, end = _iso(utcnow() - timedelta(days=1)), _iso(utcnow() + timedelta(days=1))
    response = api.get(
        f"/finance/exports/withdrawals.csv?start={start}&end={end}",
        make_key(make_user(Role.FINANCE)),
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True).count("\n") >= 2


def test_export_needs_its_period(app_ctx, api):
    response = api.get("/finance/exports/withdrawals.csv", make_key(make_user(Role.FINANCE)))
    assert is_problem(response, 422)
