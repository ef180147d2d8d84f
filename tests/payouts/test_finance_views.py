"""The Finance centre's pages: finance officers only; the review queue, decisions one by one
and in bulk (never on one's own withdrawal, two officers above the threshold), payout runs
and their live progress, retry and return of funds, and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from affiliate.payouts import services
from affiliate.payouts.models import Withdrawal
from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from core.ledger.models import LedgerEntry
from tests.conftest import post_form
from tests.factories import make_user
from tests.payouts.helpers import (
    balances,
    claw_back,
    count,
    make_creator,
    officer,
    reload,
    token,
)
from tests.two_factor import step_up


def _request(creator, amount: int = 10_000) -> Withdrawal:
    w = services.request_withdrawal(creator.id, amount, request_token=token())
    db.session.commit()
    return w


def _signed_in_officer(auth, *extra: Role, **kwargs):
    fin = make_user(Role.FINANCE, *extra, **kwargs)
    auth.login(fin.email)
    step_up(auth.client, fin.email)  # approvals above the four-eyes threshold ask for it
    return fin


def _actions(withdrawal_id: int) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_type == "withdrawal")
            .where(AuditEvent.subject_id == str(withdrawal_id))
            .order_by(AuditEvent.id)
        )
    )


# ---------------------------------------------------------------------------- who may come in

GET_URLS = [
    "/finance/",
    "/finance/withdrawals",
    "/finance/withdrawals/{id}",
    "/finance/payouts",
    "/finance/payouts/progress.json",
    "/finance/withdrawals.csv?start=2026-01-01&end=2026-12-31",
]
POST_URLS = [
    "/finance/withdrawals/{id}/approve",
    "/finance/withdrawals/{id}/reject",
    "/finance/withdrawals/{id}/retry",
    "/finance/withdrawals/{id}/return-funds",
    "/finance/withdrawals/approve-selected",
]


@pytest.mark.parametrize("role", [Role.BUYER, Role.CREATOR, Role.SELLER, Role.ADMIN])
def test_every_finance_url_is_forbidden_to_other_roles(app_ctx, client, auth, role):
    w = _request(make_creator(balance=20_000))
    user = make_user(role)
    auth.login(user.email)

    for url in GET_URLS:
        assert client.get(url.format(id=w.id)).status_code == 403, url
    for url in POST_URLS:
        data = {"reason": "Not allowed here", "ids": [str(w.id)]}
        assert post_form(client, url.format(id=w.id), data).status_code == 403, url
    assert reload(w.id).status == "requested"


def test_every_finance_url_sends_a_signed_out_visitor_to_sign_in(app_ctx, client):
    w = _request(make_creator(balance=20_000))
    for url in GET_URLS:
        response = client.get(url.format(id=w.id))
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url
    for url in POST_URLS:
        response = post_form(client, url.format(id=w.id), {"reason": "nope"})
        assert response.status_code == 302, url
    assert reload(w.id).status == "requested"


def test_the_finance_centre_links_every_page_and_shows_headline_totals(app_ctx, client, auth):
    _request(make_creator(balance=20_000))
    _signed_in_officer(auth)

    html = client.get("/finance/").get_data(as_text=True)

    assert 'aria-label="Finance centre"' in html  # the sub-menu
    for link in (
        "/finance/withdrawals",
        "/finance/payouts",
        "/admin/audit?subject_type=withdrawal",
    ):
        assert f'href="{link}"' in html
    assert "Waiting for review" in html
    assert 'data-total="fees">$0.00' in html


# ---------------------------------------------------------------------------- the review queue


def test_the_queue_shows_amounts_history_and_risk_flags(app_ctx, client, auth):
    creator = make_creator(balance=50_000)
    claw_back(creator.id, 1_000)
    w = _request(creator, 10_000)
    _signed_in_officer(auth)

    page = client.get("/finance/withdrawals")
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert f'data-withdrawal-id="{w.id}"' in html
    assert creator.email in html
    for text in ("$100.00", "$2.00", "$98.00", "Earned", "Clawbacks $10.00", "Member 0 days"):
        assert text in html
    assert "first withdrawal" in html
    assert "clawback in the last 30 days" in html
    assert f'name="ids" value="{w.id}"' in html
    assert "Approve selected" in html


def test_the_queue_filters_by_amount_and_creator_and_sorts(app_ctx, client, auth):
    small = make_creator(balance=50_000)
    large = make_creator(balance=80_000)
    w_small = _request(small, 2_000)
    w_large = _request(large, 60_000)
    _signed_in_officer(auth)

    html = client.get("/finance/withdrawals?min_amount=100&max_amount=1000").get_data(as_text=True)
    assert f'data-withdrawal-id="{w_large.id}"' in html
    assert f'data-withdrawal-id="{w_small.id}"' not in html

    html = client.get(f"/finance/withdrawals?creator={small.email}").get_data(as_text=True)
    assert f'data-withdrawal-id="{w_small.id}"' in html
    assert f'data-withdrawal-id="{w_large.id}"' not in html

    html = client.get("/finance/withdrawals?sort=amount_desc").get_data(as_text=True)
    assert html.index(f'data-withdrawal-id="{w_large.id}"') < html.index(
        f'data-withdrawal-id="{w_small.id}"'
    )

    bad = client.get("/finance/withdrawals?min_amount=lots&status=nonsense&sort=sideways")
    assert bad.status_code == 200  # bad filters are reported, not fatal
    assert "Use an amount such as 100 or 100.50." in bad.get_data(as_text=True)

    empty = client.get("/finance/withdrawals?status=paid").get_data(as_text=True)
    assert "No withdrawals match" in empty


def test_an_empty_queue_says_what_comes_next(app_ctx, client, auth):
    _signed_in_officer(auth)
    html = client.get("/finance/withdrawals").get_data(as_text=True)
    assert "Nothing waiting for review" in html


def _fill_queue(n: int, approver) -> None:
    for i in range(n):
        creator = make_creator(balance=200_000)
        if i % 3 == 0:
            claw_back(creator.id, 500)
        amount = 150_000 if i % 2 else 10_000  # four eyes for the odd ones
        w = _request(creator, amount)
        if i % 2:
            services.approve(w.id, approver)  # the first of two approvals
            db.session.commit()


def test_the_queue_issues_as_many_queries_for_15_rows_as_for_3(
    app_ctx, client, auth, count_queries
):
    first_officer = officer()
    fin = _signed_in_officer(auth)
    _fill_queue(3, first_officer)
    client.get("/finance/withdrawals")  # warm up (the session's user, caches)

    count_queries.statements.clear()
    few = client.get("/finance/withdrawals")
    with_three = count_queries.count

    _fill_queue(12, first_officer)
    count_queries.statements.clear()
    many = client.get("/finance/withdrawals")
    with_fifteen = count_queries.count

    assert few.status_code == many.status_code == 200
    assert many.get_data(as_text=True).count("data-withdrawal-id=") == 15
    assert with_fifteen == with_three, count_queries.statements
    assert fin.id  # signed in throughout


# ---------------------------------------------------------------------------- decisions


def test_approving_through_the_page_pays_the_withdrawal(app_ctx, client, auth):
    creator = make_creator(balance=20_000)
    w = _request(creator)
    _signed_in_officer(auth)

    response = post_form(
        client, f"/finance/withdrawals/{w.id}/approve", {"next": "/finance/withdrawals"}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/finance/withdrawals"
    paid = reload(w.id)
    assert paid.status == "paid"  # the in-process job ran after the commit
    assert paid.provider_ref
    assert balances(creator.id) == {"available": 10_000, "held": 0, "clearing": 9_800, "fees": 200}
    assert _actions(w.id) == [
        "withdrawal_requested",
        "withdrawal_approved",
        "withdrawal_processing",
        "withdrawal_paid",
    ]
    html = client.get(f"/finance/withdrawals/{w.id}").get_data(as_text=True)
    assert f"Approved #{w.id} ($100.00): its payout is queued." in html
    assert 'data-status="paid"' in html
    assert "Payout started" in html


def test_next_never_leads_off_the_finance_centre(app_ctx, client, auth):
    w = _request(make_creator(balance=20_000))
    _signed_in_officer(auth)
    response = post_form(
        client, f"/finance/withdrawals/{w.id}/approve", {"next": "https://evil.example/finance/"}
    )
    assert response.headers["Location"] == f"/finance/withdrawals/{w.id}"


def test_rejecting_through_the_page_needs_a_reason_and_returns_the_money(app_ctx, client, auth):
    creator = make_creator(balance=20_000)
    w = _request(creator)
    _signed_in_officer(auth)
    entries = count(LedgerEntry)

    refused = post_form(client, f"/finance/withdrawals/{w.id}/reject", {"reason": " "})
    assert refused.status_code == 400
    assert "Give a reason" in refused.get_data(as_text=True)
    assert reload(w.id).status == "requested"
    assert count(LedgerEntry) == entries

    response = post_form(
        client, f"/finance/withdrawals/{w.id}/reject", {"reason": "Account under review"}
    )

    assert response.status_code == 302
    rejected = reload(w.id)
    assert (rejected.status, rejected.reject_reason) == ("rejected", "Account under review")
    assert balances(creator.id)["available"] == 20_000
    assert balances(creator.id)["held"] == 0


def test_a_decision_in_the_wrong_state_is_409_and_an_unknown_withdrawal_404(app_ctx, client, auth):
    w = _request(make_creator(balance=20_000))
    _signed_in_officer(auth)
    post_form(client, f"/finance/withdrawals/{w.id}/approve")
    assert reload(w.id).status == "paid"

    again = post_form(client, f"/finance/withdrawals/{w.id}/approve")
    assert again.status_code == 409
    assert f"Withdrawal #{w.id} is already paid." in again.get_data(as_text=True)
    late = post_form(client, f"/finance/withdrawals/{w.id}/reject", {"reason": "Too late now"})
    assert late.status_code == 409
    assert post_form(client, f"/finance/withdrawals/{w.id}/retry").status_code == 409
    assert reload(w.id).status == "paid"

    assert post_form(client, "/finance/withdrawals/987654/approve").status_code == 404
    assert client.get("/finance/withdrawals/987654").status_code == 404


def test_every_decision_on_an_unknown_withdrawal_is_404(app_ctx, client, auth):
    _signed_in_officer(auth)
    for url in POST_URLS[:-1]:  # the bulk approval takes no id in its address
        response = post_form(client, url.format(id=987654), {"reason": "Not there at all"})
        assert response.status_code == 404, url


def test_an_officer_who_is_also_the_creator_cannot_approve_their_own(app_ctx, client, auth):
    both = make_creator(balance=20_000, roles=(Role.FINANCE,))
    w = _request(both)
    auth.login(both.email)

    queue = client.get("/finance/withdrawals").get_data(as_text=True)
    assert "Your own withdrawal: another officer decides." in queue
    assert f'name="ids" value="{w.id}"' not in queue

    response = post_form(client, f"/finance/withdrawals/{w.id}/approve")
    assert response.status_code == 403
    assert "You cannot decide on your own withdrawal" in response.get_data(as_text=True)
    rejected = post_form(client, f"/finance/withdrawals/{w.id}/reject", {"reason": "Self-serve"})
    assert rejected.status_code == 403
    bulk = post_form(client, "/finance/withdrawals/approve-selected", {"ids": [str(w.id)]})
    assert "You cannot decide on your own withdrawal" in client.get(
        bulk.headers["Location"]
    ).get_data(as_text=True)
    assert reload(w.id).status == "requested"
    assert reload(w.id).approvals == []


def test_four_eyes_through_the_pages(app_ctx, client, auth):
    creator = make_creator(balance=300_000)
    w = _request(creator, 150_000)  # above the $1,000 threshold
    first = _signed_in_officer(auth, display_name="Fiona First")

    response = post_form(client, f"/finance/withdrawals/{w.id}/approve")
    assert response.status_code == 302
    assert reload(w.id).status == "requested"
    again = post_form(client, f"/finance/withdrawals/{w.id}/approve")
    assert again.status_code == 403
    assert "a second officer must approve it too" in again.get_data(as_text=True)

    auth.logout()
    _signed_in_officer(auth, display_name="Sam Second")
    queue = client.get("/finance/withdrawals").get_data(as_text=True)
    assert "Needs a second approval" in queue
    assert "first by Fiona First" in queue
    detail = client.get(f"/finance/withdrawals/{w.id}").get_data(as_text=True)
    assert "the first was given by Fiona First" in detail

    post_form(client, f"/finance/withdrawals/{w.id}/approve")
    paid = reload(w.id)
    assert paid.status == "paid"
    assert [a.officer_id for a in paid.approvals][:1] == [first.id]


def test_bulk_approve_through_the_page_and_its_progress(app_ctx, client, auth):
    creators = [make_creator(balance=20_000) for _ in range(3)]
    ids = [_request(c).id for c in creators]
    _signed_in_officer(auth)

    empty = post_form(client, "/finance/withdrawals/approve-selected", {})
    assert empty.status_code == 400
    assert "Tick at least one withdrawal" in empty.get_data(as_text=True)

    response = post_form(
        client, "/finance/withdrawals/approve-selected", {"ids": [str(i) for i in ids]}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/finance/payouts"
    assert [reload(i).status for i in ids] == ["paid"] * 3
    page = client.get("/finance/payouts").get_data(as_text=True)
    assert "Approved 3: their payouts are queued." in page
    assert "Your latest bulk approval" in page
    assert "3 of 3 done (100%)" in page

    progress = client.get("/finance/payouts/progress.json")
    assert progress.status_code == 200
    assert progress.headers["Cache-Control"] == "no-store"
    body = progress.get_json()
    assert body["counts"] == {"queued": 0, "processing": 0, "paid": 3, "failed": 0}
    assert body["run"]["total"] == 3
    assert body["run"]["done"] == 3
    assert body["run"]["percent"] == 100
    assert body["run"]["finished"] is True
    assert body["run"]["counts"]["paid"] == 3


def test_progress_without_a_bulk_run_counts_by_state(app_ctx, client, auth, enqueued):
    creator = make_creator(balance=50_000)
    queued = _request(creator)
    _request(creator)
    services.approve(queued.id, officer())
    db.session.commit()  # recorded, not run: the payout stays queued
    _signed_in_officer(auth)

    body = client.get("/finance/payouts/progress.json").get_json()

    assert body == {
        "counts": {"queued": 1, "processing": 0, "paid": 0, "failed": 0},
        "run": None,
    }


def test_bulk_approve_reports_the_ones_it_refused(app_ctx, client, auth):
    fin = make_creator(balance=20_000, roles=(Role.FINANCE,))
    own = _request(fin)
    other = _request(make_creator(balance=20_000))
    auth.login(fin.email)

    response = post_form(
        client, "/finance/withdrawals/approve-selected", {"ids": [str(own.id), str(other.id)]}
    )

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Approved 1" in html
    assert f"1 refused: #{own.id}: You cannot decide on your own withdrawal" in html
    assert reload(own.id).status == "requested"
    assert reload(other.id).status == "paid"


@pytest.mark.parametrize("unknown", ["987654", "99999999999999999999"])
def test_bulk_approving_an_unknown_withdrawal_is_404_and_approves_nothing(
    app_ctx, client, auth, unknown
):
    w = _request(make_creator(balance=20_000))
    _signed_in_officer(auth)

    response = post_form(
        client, "/finance/withdrawals/approve-selected", {"ids": [str(w.id), unknown]}
    )

    assert response.status_code == 404
    assert f"There is no withdrawal #{unknown}: nothing was approved." in response.get_data(
        as_text=True
    )
    assert reload(w.id).status == "requested"
    assert _actions(w.id) == ["withdrawal_requested"]


def test_bulk_approve_refuses_ids_that_are_not_numbers(app_ctx, client, auth):
    w = _request(make_creator(balance=20_000))
    _signed_in_officer(auth)
    response = post_form(client, "/finance/withdrawals/approve-selected", {"ids": ["1; DROP"]})
    assert response.status_code == 400
    assert reload(w.id).status == "requested"


# ---------------------------------------------------------------------------- payout runs


def test_a_declined_payout_is_listed_and_retried_from_the_payouts_page(app_ctx, client, auth):
    creator = make_creator(balance=20_000, last4="0002")  # the simulated bank declines
    w = _request(creator)
    _signed_in_officer(auth)
    post_form(client, f"/finance/withdrawals/{w.id}/approve")
    assert reload(w.id).status == "failed"

    page = client.get("/finance/payouts").get_data(as_text=True)
    assert f'data-withdrawal-id="{w.id}"' in page
    assert "The simulated bank declined" in page
    assert "Returned to available" in page

    response = post_form(client, f"/finance/withdrawals/{w.id}/retry", {"next": "/finance/payouts"})

    assert response.headers["Location"] == "/finance/payouts"
    again = reload(w.id)
    assert (again.status, again.attempt) == ("failed", 2)  # declined again, a new attempt
    assert "withdrawal_retried" in _actions(w.id)
    assert balances(creator.id) == {"available": 20_000, "held": 0, "clearing": 0, "fees": 0}


def test_an_unreachable_payout_can_have_its_funds_returned(app_ctx, app, client, auth, monkeypatch):
    creator = make_creator(balance=20_000, last4="0004")  # the simulated bank never answers
    w = _request(creator)
    _signed_in_officer(auth)
    post_form(client, f"/finance/withdrawals/{w.id}/approve")
    failed = reload(w.id)
    assert failed.status == "failed"
    assert failed.funds_returned_at is None
    assert balances(creator.id)["held"] == 10_000

    early = post_form(
        client, f"/finance/withdrawals/{w.id}/return-funds", {"reason": "Bank is down"}
    )
    assert early.status_code == 409
    assert "may still be in flight" in early.get_data(as_text=True)

    monkeypatch.setitem(app.config, "PAYOUT_STUCK_MINUTES", 0)
    short = post_form(client, f"/finance/withdrawals/{w.id}/return-funds", {"reason": "x"})
    assert short.status_code == 400
    response = post_form(
        client, f"/finance/withdrawals/{w.id}/return-funds", {"reason": "Bank is down"}
    )

    assert response.status_code == 302
    returned = reload(w.id)
    assert returned.status == "failed"
    assert returned.funds_returned_at is not None
    assert balances(creator.id)["available"] == 20_000
    assert balances(creator.id)["held"] == 0


def test_the_payouts_page_shows_totals_and_chart_data(app_ctx, client, auth):
    creator = make_creator(balance=20_000)
    w = _request(creator)
    _signed_in_officer(auth)
    empty = client.get("/finance/payouts").get_data(as_text=True)
    assert "Nothing paid yet" in empty
    assert "chart.umd.min.js" not in empty

    post_form(client, f"/finance/withdrawals/{w.id}/approve")
    html = client.get("/finance/payouts").get_data(as_text=True)

    assert 'data-total="paid-out">$98.00' in html
    assert 'data-total="fees">$2.00' in html
    assert 'data-chart-kind="payouts"' in html
    assert 'id="payouts-by-day-data"' in html
    assert 'id="payouts-by-month-data"' in html
    assert "js/payout-progress.js" in html
    assert "chart.umd.min.js" in html
    month = datetime.now(UTC).strftime("%Y-%m")
    assert f"<td>{month}</td>" in html
    centre = client.get("/finance/").get_data(as_text=True)
    assert 'data-total="fees">$2.00' in centre


# ---------------------------------------------------------------------------- export


def test_the_csv_export_lists_the_period_withdrawals(app_ctx, client, auth):
    creator = make_creator(balance=50_000)
    paid = _request(creator, 10_000)
    waiting = _request(creator, 2_500)
    _signed_in_officer(auth)
    post_form(client, f"/finance/withdrawals/{paid.id}/approve")
    today = datetime.now(UTC).date()

    response = client.get(f"/finance/withdrawals.csv?start={today}&end={today}", buffered=True)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        f'filename="withdrawals-{today}-to-{today}.csv"' in response.headers["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:8] == [
        "withdrawal_id",
        "creator_id",
        "creator_email",
        "currency",
        "amount",
        "fee",
        "net",
        "status",
    ]
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {str(paid.id), str(waiting.id)}
    assert by_id[str(paid.id)][2:8] == [creator.email, "USD", "100.00", "2.00", "98.00", "paid"]
    assert by_id[str(waiting.id)][4:8] == ["25.00", "0.50", "24.50", "requested"]

    yesterday = today - timedelta(days=1)
    before = client.get(
        f"/finance/withdrawals.csv?start={yesterday}&end={yesterday}", buffered=True
    )
    assert len(list(csv.reader(io.StringIO(before.get_data(as_text=True))))) == 1  # header


def test_the_csv_export_keeps_formulas_out_of_spreadsheets(app_ctx, client, auth):
    creator = make_creator(balance=20_000)
    w = _request(creator)
    _signed_in_officer(auth)
    post_form(client, f"/finance/withdrawals/{w.id}/reject", {"reason": '=HYPERLINK("x")'})
    today = datetime.now(UTC).date()

    text = client.get(
        f"/finance/withdrawals.csv?start={today}&end={today}", buffered=True
    ).get_data(as_text=True)

    assert "'=HYPERLINK" in text


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?start=2026-01-01",
        "?start=yesterday&end=2026-01-31",
        "?start=2026-02-30&end=2026-03-01",
        "?start=2026-03-01&end=2026-02-01",
        "?start=2026-01-01&end=9999-12-31",
        "?start=01/02/2026&end=02/02/2026",
    ],
)
def test_bad_export_dates_are_400(app_ctx, client, auth, query):
    _signed_in_officer(auth)
    response = client.get(f"/finance/withdrawals.csv{query}")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.get_data(as_text=True)


# ---------------------------------------------------------------------------- the audit log


def test_the_audit_log_filters_to_withdrawals(app_ctx, client, auth):
    creator = make_creator(balance=20_000)
    w = _request(creator)
    _signed_in_officer(auth)
    post_form(client, f"/finance/withdrawals/{w.id}/approve")

    html = client.get(f"/admin/audit?subject_type=withdrawal&subject_id={w.id}").get_data(
        as_text=True
    )

    assert "withdrawal approved" in html
    assert "withdrawal paid" in html
    assert "payout_account #" not in html  # only the withdrawal's own events
