"""A creator connects the simulated payout account and withdraws $100 with the live preview
($2.00 fee, $98.00 received); a finance officer approves it, the payout job pays it at once
(in-process), and the creator sees it paid."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from affiliate.payouts.models import Withdrawal
from core.accounts.models import Role
from core.extensions import db
from core.ledger.models import EntryKind
from tests.browser.conftest import PageWatcher
from tests.browser.test_navigation import sign_in
from tests.factories import PASSWORD, make_user
from tests.payouts.helpers import balances, fund

pytestmark = pytest.mark.browser


def test_creator_withdraws_and_finance_approves_until_paid(app_ctx, page, browser, live_server):
    creator = make_user(Role.CREATOR, email="cleo@example.com", display_name="Cleo")
    fund(creator.id, 25_000, kind=EntryKind.COMMISSION_SETTLED)
    make_user(Role.FINANCE, email="fin@example.com", display_name="Fin Officer")
    creator_id = creator.id
    db.session.commit()  # end the test's transaction: SQLite would lock the server out

    # The creator: wallet → connect the simulated account → back to the wallet.
    sign_in(page, "cleo@example.com")
    with page.expect_navigation():
        page.locator("nav[aria-label='Creator centre']").get_by_role("link", name="Wallet").click()
    assert "$250.00" in page.locator("[data-balance=available]").inner_text()
    assert page.locator("#amount").is_disabled()
    with page.expect_navigation():
        page.locator("#withdraw-blocked").get_by_role(
            "link", name="Connect a payout account"
        ).click()
    assert "Simulated payouts: no real money moves." in page.locator("main").inner_text()
    page.fill("#holder_name", "Cleo Creator")
    page.fill("#routing_number", "110000000")
    page.fill("#account_number", "000123456789")
    with page.expect_navigation():
        page.get_by_role("button", name="Connect payout account").click()
    # Where money goes is a money-moving change: confirm it is you, then submit again.
    assert "Confirm it is you" in page.locator("main").inner_text()
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm").click()
    assert page.url.endswith("/creator/payout-account")
    page.fill("#holder_name", "Cleo Creator")
    page.fill("#routing_number", "110000000")
    page.fill("#account_number", "000123456789")
    with page.expect_navigation():
        page.get_by_role("button", name="Connect payout account").click()
    assert "Payout account connected" in page.locator(".flash-messages").inner_text()

    # The live preview, before anything is sent.
    page.locator("#amount").press_sequentially("100")
    assert page.locator("[data-preview-amount]").inner_text() == "$100.00"
    assert page.locator("[data-preview-fee]").inner_text() == "$2.00"
    assert page.locator("[data-preview-net]").inner_text() == "$98.00"
    page.locator("#amount").fill("5")
    page.locator("#amount").dispatch_event("input")
    assert (
        "The smallest withdrawal is $10.00." in page.locator("[data-preview-problem]").inner_text()
    )
    page.locator("#amount").fill("100")
    page.locator("#amount").dispatch_event("input")
    with page.expect_navigation():
        page.get_by_role("button", name="Request withdrawal").click()
    assert (
        "you will receive $98.00 after the $2.00 fee"
        in page.locator(".flash-messages").inner_text()
    )
    assert page.locator("main .withdrawal-status").first.inner_text() == "Requested"
    withdrawal_url = page.url

    # The finance officer, in a browser of their own.
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    finance = context.new_page()
    finance.watcher = PageWatcher(finance)
    sign_in(finance, "fin@example.com")
    finance.goto("/finance/withdrawals")
    row = finance.locator("tr[data-withdrawal-id]").filter(has_text="cleo@example.com")
    assert "first withdrawal" in row.inner_text()
    assert "$98.00" in row.inner_text()
    with finance.expect_navigation():
        row.get_by_role("button", name="Approve").click()
    assert "its payout is queued" in finance.locator(".flash-messages").inner_text()
    assert "Nothing waiting for review" in finance.locator("main").inner_text()
    finance.goto("/finance/payouts")
    assert finance.locator("[data-count=paid]").inner_text() == "1"
    assert finance.locator("[data-total=fees]").inner_text() == "$2.00"
    finance.wait_for_timeout(2500)  # one poll of the progress JSON
    assert finance.locator("[data-count=paid]").inner_text() == "1"
    assert finance.watcher.errors == []
    context.close()

    # The creator sees it paid.
    page.goto(withdrawal_url)
    assert page.locator("main .withdrawal-status").first.inner_text() == "Paid"
    assert "$98.00 sent to Simulated bank •••• 6789" in page.locator("main").inner_text()
    assert page.watcher.errors == []

    db.session.rollback()
    (w,) = db.session.scalars(select(Withdrawal).where(Withdrawal.creator_id == creator_id))
    assert (w.status, w.amount, w.fee, w.net) == ("paid", 10_000, 200, 9_800)
    assert balances(creator_id)["available"] == 15_000
    assert balances(creator_id)["fees"] == 200
