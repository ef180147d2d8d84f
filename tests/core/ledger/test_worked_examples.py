"""Worked examples an accountant can follow: one order from payment to the creator's payout.

Every balance is read on its account's normal side, in cents. After every step the books
balance: what the platform holds in cash equals what it owes (to the store, to the creator,
to the payout provider) plus what it has earned.
"""

from __future__ import annotations

import pytest

from core.accounts.models import Role
from core.extensions import db
from core.ledger.exceptions import InsufficientFunds
from core.ledger.models import AccountKind
from core.ledger.services import (
    Cause,
    account_for,
    balance,
    credit,
    debit,
    owner_balances,
    platform_balances,
    post_entry,
)
from core.money import percent_of, split_fee
from tests.factories import make_user

USD = "USD"
FEE_BPS = 200  # the 2% withdrawal fee


class Books:
    """The accounts of one store and one creator, as an accountant would name them."""

    def __init__(self) -> None:
        self.seller = make_user(Role.SELLER)
        self.creator = make_user(Role.CREATOR)
        self.cash = account_for(AccountKind.PLATFORM_CASH, currency=USD)
        self.fee_revenue = account_for(AccountKind.PLATFORM_FEE_REVENUE, currency=USD)
        self.payouts_clearing = account_for(AccountKind.PLATFORM_PAYOUTS_CLEARING, currency=USD)
        self.seller_receivable = account_for(
            AccountKind.SELLER_RECEIVABLE, currency=USD, owner_id=self.seller.id
        )
        self.pending = account_for(
            AccountKind.CREATOR_PENDING, currency=USD, owner_id=self.creator.id
        )
        self.available = account_for(
            AccountKind.CREATOR_AVAILABLE, currency=USD, owner_id=self.creator.id
        )
        self.held = account_for(AccountKind.CREATOR_HELD, currency=USD, owner_id=self.creator.id)

    def sheet(self) -> dict[str, int]:
        return {
            "cash": balance(self.cash),
            "seller receivable": balance(self.seller_receivable),
            "creator pending": balance(self.pending),
            "creator available": balance(self.available),
            "creator held": balance(self.held),
            "payouts clearing": balance(self.payouts_clearing),
            "fee revenue": balance(self.fee_revenue),
        }

    def assert_books_balance(self) -> None:
        sheet = self.sheet()
        owed_and_earned = sum(v for k, v in sheet.items() if k != "cash")
        assert sheet["cash"] == owed_and_earned

    # The four movements of one order's life.

    def order_paid(self, order_line: int, paid: int, commission_bps: int) -> int:
        commission = percent_of(paid, commission_bps)
        post_entry(
            "order_paid",
            Cause("order_line", order_line),
            [
                debit(self.cash, paid),
                credit(self.seller_receivable, paid - commission),
                credit(self.pending, commission),
            ],
        )
        db.session.commit()
        return commission

    def commission_settles(self, order_line: int, commission: int) -> None:
        post_entry(
            "commission_settled",
            Cause("order_line", order_line),
            [debit(self.pending, commission), credit(self.available, commission)],
        )
        db.session.commit()

    def withdrawal_requested(self, withdrawal: int, amount: int) -> None:
        post_entry(
            "withdrawal_hold",
            Cause("withdrawal", withdrawal),
            [debit(self.available, amount), credit(self.held, amount)],
            guard=[self.available],
        )
        db.session.commit()

    def withdrawal_paid(self, withdrawal: int, amount: int) -> tuple[int, int]:
        fee, net = split_fee(amount, FEE_BPS)
        post_entry(
            "withdrawal_paid",
            Cause("withdrawal", withdrawal),
            [
                debit(self.held, amount),
                credit(self.payouts_clearing, net),
                credit(self.fee_revenue, fee),
            ],
            guard=[self.held],
        )
        db.session.commit()
        return fee, net


@pytest.fixture
def books(app_ctx) -> Books:
    return Books()


def test_a_new_ledger_has_every_balance_at_zero(books):
    assert set(books.sheet().values()) == {0}


def test_order_paid_puts_cash_in_and_owes_the_store_and_the_creator(books):
    # A buyer pays $100.00 for an order line; the creator's commission is 10%.
    commission = books.order_paid(order_line=1, paid=10_000, commission_bps=1_000)

    assert commission == 1_000
    assert books.sheet() == {
        "cash": 10_000,
        "seller receivable": 9_000,
        "creator pending": 1_000,
        "creator available": 0,
        "creator held": 0,
        "payouts clearing": 0,
        "fee revenue": 0,
    }
    books.assert_books_balance()


def test_commission_settles_from_pending_to_available(books):
    books.order_paid(order_line=1, paid=10_000, commission_bps=1_000)

    books.commission_settles(order_line=1, commission=1_000)

    assert books.sheet() == {
        "cash": 10_000,
        "seller receivable": 9_000,
        "creator pending": 0,
        "creator available": 1_000,
        "creator held": 0,
        "payouts clearing": 0,
        "fee revenue": 0,
    }
    books.assert_books_balance()


def test_withdrawal_request_holds_the_money_it_asks_for(books):
    books.order_paid(order_line=1, paid=10_000, commission_bps=1_000)
    books.commission_settles(order_line=1, commission=1_000)

    books.withdrawal_requested(withdrawal=1, amount=1_000)

    assert books.sheet() == {
        "cash": 10_000,
        "seller receivable": 9_000,
        "creator pending": 0,
        "creator available": 0,
        "creator held": 1_000,
        "payouts clearing": 0,
        "fee revenue": 0,
    }
    books.assert_books_balance()


def test_withdrawal_request_for_more_than_is_available_is_refused_and_changes_nothing(books):
    books.order_paid(order_line=1, paid=10_000, commission_bps=1_000)
    books.commission_settles(order_line=1, commission=1_000)
    before = books.sheet()

    with pytest.raises(InsufficientFunds) as refused:
        books.withdrawal_requested(withdrawal=1, amount=1_001)

    assert refused.value.balance == -1
    assert refused.value.account_key == books.available.key
    db.session.rollback()
    assert books.sheet() == before


def test_payout_pays_the_net_and_books_the_two_percent_fee_as_revenue(books):
    books.order_paid(order_line=1, paid=10_000, commission_bps=1_000)
    books.commission_settles(order_line=1, commission=1_000)
    books.withdrawal_requested(withdrawal=1, amount=1_000)

    fee, net = books.withdrawal_paid(withdrawal=1, amount=1_000)

    assert (fee, net) == (20, 980)
    assert fee + net == 1_000
    assert books.sheet() == {
        "cash": 10_000,
        "seller receivable": 9_000,
        "creator pending": 0,
        "creator available": 0,
        "creator held": 0,
        "payouts clearing": 980,
        "fee revenue": 20,
    }
    books.assert_books_balance()


def test_payout_fee_rounds_half_a_cent_up_and_still_adds_up(books):
    # $122.50 at 10% is $12.25 of commission; 2% of $12.25 is 24.5 cents, which rounds up.
    commission = books.order_paid(order_line=7, paid=12_250, commission_bps=1_000)
    books.commission_settles(order_line=7, commission=commission)
    books.withdrawal_requested(withdrawal=3, amount=commission)

    fee, net = books.withdrawal_paid(withdrawal=3, amount=commission)

    assert (commission, fee, net) == (1_225, 25, 1_200)
    assert fee + net == commission
    assert books.sheet()["payouts clearing"] == 1_200
    assert books.sheet()["fee revenue"] == 25
    books.assert_books_balance()


def test_owner_and_platform_balances_summarise_the_same_books(books):
    books.order_paid(order_line=1, paid=10_000, commission_bps=1_000)
    books.commission_settles(order_line=1, commission=1_000)
    books.withdrawal_requested(withdrawal=1, amount=400)
    books.withdrawal_paid(withdrawal=1, amount=400)

    assert owner_balances(books.creator.id, USD) == {
        AccountKind.CREATOR_PENDING: 0,
        AccountKind.CREATOR_AVAILABLE: 600,
        AccountKind.CREATOR_HELD: 0,
    }
    assert owner_balances(books.seller.id, USD) == {AccountKind.SELLER_RECEIVABLE: 9_000}
    assert platform_balances(USD) == {
        AccountKind.PLATFORM_CASH: 10_000,
        AccountKind.PLATFORM_FEE_REVENUE: 8,
        AccountKind.PLATFORM_PAYOUTS_CLEARING: 392,
    }
    books.assert_books_balance()


def test_two_orders_accumulate_on_the_same_accounts(books):
    books.order_paid(order_line=1, paid=10_000, commission_bps=1_000)
    books.order_paid(order_line=2, paid=5_000, commission_bps=500)

    assert books.sheet()["cash"] == 15_000
    assert books.sheet()["seller receivable"] == 9_000 + 4_750
    assert books.sheet()["creator pending"] == 1_000 + 250
    books.assert_books_balance()
