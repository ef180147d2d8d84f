"""post_entry, debit/credit and account_for: what the ledger accepts, refuses and never changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from core.accounts.models import Role
from core.extensions import db
from core.ledger.exceptions import (
    DuplicateEntry,
    InsufficientFunds,
    InvalidPosting,
    UnbalancedEntry,
)
from core.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerPosting
from core.ledger.services import (
    Cause,
    Leg,
    account_for,
    balance,
    credit,
    debit,
    owner_balances,
    platform_balances,
    post_entry,
    recent_entries,
)
from tests.factories import make_user


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _creator_account(kind: AccountKind, currency: str = "USD") -> LedgerAccount:
    creator = make_user(Role.CREATOR)
    return account_for(kind, currency=currency, owner_id=creator.id)


@pytest.fixture
def cash(app_ctx) -> LedgerAccount:
    return account_for(AccountKind.PLATFORM_CASH, currency="USD")


@pytest.fixture
def fees(app_ctx) -> LedgerAccount:
    return account_for(AccountKind.PLATFORM_FEE_REVENUE, currency="USD")


@pytest.fixture
def creator(app_ctx):
    return make_user(Role.CREATOR)


@pytest.fixture
def available(creator) -> LedgerAccount:
    return account_for(AccountKind.CREATOR_AVAILABLE, currency="USD", owner_id=creator.id)


@pytest.fixture
def held(creator) -> LedgerAccount:
    return account_for(AccountKind.CREATOR_HELD, currency="USD", owner_id=creator.id)


def _fund(cash: LedgerAccount, available: LedgerAccount, amount: int, cause_id: int = 1) -> None:
    post_entry(
        "commission_settled",
        Cause("test_funding", cause_id),
        [debit(cash, amount), credit(available, amount)],
    )
    db.session.commit()


# --- what an entry must be ------------------------------------------------------------------


def test_unbalanced_entry_raises_and_writes_nothing(cash, available):
    with pytest.raises(UnbalancedEntry, match="USD"):
        post_entry(
            "order_paid", Cause("order_line", 1), [debit(cash, 1_000), credit(available, 999)]
        )
    db.session.commit()
    assert _count(LedgerEntry) == 0
    assert _count(LedgerPosting) == 0
    assert balance(available) == 0


def test_entry_with_a_single_posting_is_refused(cash):
    with pytest.raises(InvalidPosting, match="at least two"):
        post_entry("order_paid", Cause("order_line", 1), [debit(cash, 1_000)])
    assert _count(LedgerEntry) == 0


def test_entry_with_no_postings_is_refused(app_ctx):
    with pytest.raises(InvalidPosting, match="at least two"):
        post_entry("order_paid", Cause("order_line", 1), [])


@pytest.mark.parametrize("amount", [0, -5, 1.5, 10.0, True, "100", None])
def test_debit_refuses_anything_but_a_positive_integer(cash, amount):
    with pytest.raises(InvalidPosting):
        debit(cash, amount)


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
def test_credit_refuses_anything_but_a_positive_integer(cash, amount):
    with pytest.raises(InvalidPosting):
        credit(cash, amount)


@pytest.mark.parametrize(
    ("first", "second"), [(0, 0), (1.0, -1.0), (True, -1), (100, -100.0)], ids=str
)
def test_raw_legs_with_zero_float_or_bool_amounts_are_refused(cash, fees, first, second):
    with pytest.raises(InvalidPosting):
        post_entry("order_paid", Cause("order_line", 1), [Leg(cash, first), Leg(fees, second)])
    assert _count(LedgerEntry) == 0


def test_posting_to_an_unsaved_account_is_refused(cash):
    unsaved = LedgerAccount(key="x", kind=AccountKind.PLATFORM_FEE_REVENUE.value, currency="USD")
    with pytest.raises(InvalidPosting, match="account_for"):
        post_entry("order_paid", Cause("order_line", 1), [debit(cash, 5), credit(unsaved, 5)])


def test_entry_in_two_currencies_balancing_in_each_is_accepted(cash, fees):
    eur_cash = account_for(AccountKind.PLATFORM_CASH, currency="EUR")
    eur_fees = account_for(AccountKind.PLATFORM_FEE_REVENUE, currency="EUR")

    entry = post_entry(
        "fx_test",
        Cause("test", 1),
        [debit(cash, 100), credit(fees, 100), debit(eur_cash, 90), credit(eur_fees, 90)],
    )
    db.session.commit()

    assert len(entry.postings) == 4
    assert (balance(cash), balance(fees)) == (100, 100)
    assert (balance(eur_cash), balance(eur_fees)) == (90, 90)


def test_entry_balancing_overall_but_not_in_one_currency_is_refused(cash, fees):
    eur_cash = account_for(AccountKind.PLATFORM_CASH, currency="EUR")
    eur_fees = account_for(AccountKind.PLATFORM_FEE_REVENUE, currency="EUR")

    with pytest.raises(UnbalancedEntry, match="EUR"):
        post_entry(
            "fx_test",
            Cause("test", 1),
            [debit(cash, 100), credit(fees, 100), debit(eur_cash, 90), credit(eur_fees, 80)],
        )
    assert _count(LedgerEntry) == 0


def test_dollars_cannot_balance_euros(cash):
    eur_fees = account_for(AccountKind.PLATFORM_FEE_REVENUE, currency="EUR")
    with pytest.raises(UnbalancedEntry):
        post_entry("fx_test", Cause("test", 1), [debit(cash, 100), credit(eur_fees, 100)])


def test_entry_records_kind_cause_memo_and_actor(cash, fees, creator):
    entry = post_entry(
        "withdrawal_fee",
        Cause("withdrawal", 42),
        [debit(cash, 20), credit(fees, 20)],
        memo="2% fee",
        actor_id=creator.id,
    )
    db.session.commit()

    stored = db.session.get(LedgerEntry, entry.id)
    assert (stored.kind, stored.cause_type, stored.cause_id) == (
        "withdrawal_fee",
        "withdrawal",
        "42",
    )
    assert (stored.memo, stored.actor_id) == ("2% fee", creator.id)
    assert [(p.account_id, p.amount) for p in stored.postings] == [(cash.id, 20), (fees.id, -20)]


# --- one cause posts once -------------------------------------------------------------------


def test_second_entry_for_the_same_kind_and_cause_raises_duplicate(cash, fees):
    post_entry("order_paid", Cause("order_line", 7), [debit(cash, 100), credit(fees, 100)])
    db.session.commit()

    with pytest.raises(DuplicateEntry, match="order_paid"):
        post_entry("order_paid", Cause("order_line", 7), [debit(cash, 100), credit(fees, 100)])
    db.session.commit()

    assert _count(LedgerEntry) == 1
    assert balance(cash) == 100


def test_cause_id_given_as_text_or_number_is_the_same_cause(cash, fees):
    post_entry("order_paid", Cause("order_line", 7), [debit(cash, 100), credit(fees, 100)])
    with pytest.raises(DuplicateEntry):
        post_entry("order_paid", Cause("order_line", "7"), [debit(cash, 100), credit(fees, 100)])


def test_same_cause_may_post_entries_of_different_kinds(cash, fees):
    post_entry("withdrawal_hold", Cause("withdrawal", 1), [debit(cash, 5), credit(fees, 5)])
    post_entry("withdrawal_paid", Cause("withdrawal", 1), [debit(cash, 5), credit(fees, 5)])
    db.session.commit()
    assert _count(LedgerEntry) == 2


def test_callers_transaction_is_still_usable_after_a_duplicate(cash, fees, available):
    post_entry("order_paid", Cause("order_line", 7), [debit(cash, 100), credit(fees, 100)])
    db.session.commit()

    # In one transaction: a first entry, a refused duplicate, then a second entry.
    post_entry(
        "commission_settled", Cause("order_line", 7), [debit(cash, 50), credit(available, 50)]
    )
    with pytest.raises(DuplicateEntry):
        post_entry("order_paid", Cause("order_line", 7), [debit(cash, 100), credit(fees, 100)])
    post_entry("order_paid", Cause("order_line", 8), [debit(cash, 30), credit(fees, 30)])
    db.session.commit()

    assert _count(LedgerEntry) == 3
    assert balance(cash) == 180
    assert balance(available) == 50
    assert balance(fees) == 130


def test_a_constraint_violation_that_is_not_the_cause_key_is_not_called_a_duplicate(cash, fees):
    with pytest.raises(IntegrityError):
        post_entry(
            "order_paid",
            Cause("order_line", 1),
            [debit(cash, 100), credit(fees, 100)],
            actor_id=999_999,  # no such user
        )
    db.session.rollback()
    assert _count(LedgerEntry) == 0


def test_without_a_savepoint_an_entry_posts_the_same(cash, available, held):
    _fund(cash, available, 1_000)

    post_entry(
        "withdrawal_hold",
        Cause("withdrawal", 1),
        [debit(available, 600), credit(held, 600)],
        guard=[available],
        savepoint=False,
    )
    db.session.commit()

    assert (balance(available), balance(held)) == (400, 600)
    assert _count(LedgerPosting) == 4


def test_without_a_savepoint_a_duplicate_or_a_short_balance_ends_the_transaction(
    cash, available, held
):
    _fund(cash, available, 100)

    # The database refuses the duplicate; the caller rolls back (nothing of it stays).
    with pytest.raises(IntegrityError):
        post_entry(
            "commission_settled",
            Cause("test_funding", 1),
            [debit(cash, 100), credit(available, 100)],
            savepoint=False,
        )
    db.session.rollback()
    with pytest.raises(InsufficientFunds):
        post_entry(
            "withdrawal_hold",
            Cause("withdrawal", 1),
            [debit(available, 101), credit(held, 101)],
            guard=[available],
            savepoint=False,
        )
    db.session.rollback()

    db.session.expire_all()
    assert (balance(available), balance(held)) == (100, 0)
    assert _count(LedgerEntry) == 1


# --- guarded accounts -----------------------------------------------------------------------


def test_guarded_debit_within_the_balance_is_accepted(cash, available, held):
    _fund(cash, available, 1_000)

    post_entry(
        "withdrawal_hold",
        Cause("withdrawal", 1),
        [debit(available, 1_000), credit(held, 1_000)],
        guard=[available],
    )
    db.session.commit()

    assert (balance(available), balance(held)) == (0, 1_000)


def test_guarded_debit_below_zero_raises_and_leaves_balances_unchanged(cash, available, held):
    _fund(cash, available, 1_000)

    with pytest.raises(InsufficientFunds) as refused:
        post_entry(
            "withdrawal_hold",
            Cause("withdrawal", 1),
            [debit(available, 1_001), credit(held, 1_001)],
            guard=[available],
        )

    assert refused.value.balance == -1
    assert refused.value.account_key == available.key
    db.session.commit()
    db.session.expire_all()
    assert (balance(available), balance(held)) == (1_000, 0)
    assert _count(LedgerEntry) == 1  # the funding entry only
    assert _count(LedgerPosting) == 2


def test_callers_transaction_is_still_usable_after_insufficient_funds(cash, available, held):
    _fund(cash, available, 500)

    with pytest.raises(InsufficientFunds):
        post_entry(
            "withdrawal_hold",
            Cause("withdrawal", 1),
            [debit(available, 600), credit(held, 600)],
            guard=[available],
        )
    post_entry(
        "withdrawal_hold",
        Cause("withdrawal", 2),
        [debit(available, 400), credit(held, 400)],
        guard=[available],
    )
    db.session.commit()

    assert (balance(available), balance(held)) == (100, 400)


def test_guard_given_as_a_generator_still_guards(cash, available, held):
    _fund(cash, available, 100)
    with pytest.raises(InsufficientFunds):
        post_entry(
            "withdrawal_hold",
            Cause("withdrawal", 1),
            [debit(available, 200), credit(held, 200)],
            guard=(account for account in [available]),
        )


def test_guarding_an_account_the_entry_does_not_touch_is_a_mistake(cash, fees, available):
    with pytest.raises(ValueError, match="guarded account"):
        post_entry(
            "order_paid",
            Cause("order_line", 1),
            [debit(cash, 5), credit(fees, 5)],
            guard=[available],
        )


def test_guarding_a_platform_account_is_a_mistake(cash, fees):
    with pytest.raises(ValueError, match="guarded account"):
        post_entry(
            "order_paid", Cause("order_line", 1), [debit(cash, 5), credit(fees, 5)], guard=[cash]
        )


def test_clawback_without_a_guard_may_take_available_below_zero(cash, available):
    _fund(cash, available, 500)

    post_entry(
        "commission_clawback",
        Cause("refund", 1),
        [debit(available, 800), credit(cash, 800)],
    )
    db.session.commit()

    assert balance(available) == -300
    assert balance(cash) == -300


# --- balances --------------------------------------------------------------------------------


def test_balances_read_on_each_accounts_normal_side(cash, fees, available):
    post_entry(
        "order_paid",
        Cause("order_line", 1),
        [debit(cash, 300), credit(fees, 100), credit(available, 200)],
    )
    db.session.commit()

    # Cash is an asset (debit-normal); what is owed or earned is credit-normal: all positive.
    assert (balance(cash), balance(fees), balance(available)) == (300, 100, 200)


def test_platform_balances_show_zero_for_accounts_not_yet_created(app_ctx):
    assert platform_balances("USD") == {
        AccountKind.PLATFORM_CASH: 0,
        AccountKind.PLATFORM_FEE_REVENUE: 0,
        AccountKind.PLATFORM_PAYOUTS_CLEARING: 0,
    }


def test_owner_balances_list_only_the_accounts_the_owner_has(cash, available, creator):
    _fund(cash, available, 250)

    assert owner_balances(creator.id, "usd") == {AccountKind.CREATOR_AVAILABLE: 250}
    assert owner_balances(creator.id, "EUR") == {}


def test_recent_entries_of_an_owner_are_the_entries_touching_their_accounts_newest_first(
    cash, fees, available, creator
):
    _fund(cash, available, 100, cause_id=1)
    post_entry("unrelated", Cause("test", 1), [debit(cash, 5), credit(fees, 5)])
    _fund(cash, available, 100, cause_id=2)
    db.session.commit()

    mine = recent_entries(owner_id=creator.id)
    assert [(e.kind, e.cause_id) for e in mine] == [
        ("commission_settled", "2"),
        ("commission_settled", "1"),
    ]
    assert len(recent_entries()) == 3
    assert len(recent_entries(limit=1)) == 1


# --- account_for ----------------------------------------------------------------------------


def test_account_for_creates_an_account_once_and_then_returns_it(creator):
    first = account_for(AccountKind.CREATOR_PENDING, currency="USD", owner_id=creator.id)
    db.session.commit()
    again = account_for(AccountKind.CREATOR_PENDING, currency="usd", owner_id=creator.id)

    assert again.id == first.id
    assert _count(LedgerAccount) == 1
    assert first.key == f"creator_pending:{creator.id}:USD"


def test_account_for_keeps_a_balance_cache_only_on_creator_accounts(app_ctx):
    seller = make_user(Role.SELLER)
    creator = make_user(Role.CREATOR)
    pending = account_for(AccountKind.CREATOR_PENDING, currency="USD", owner_id=creator.id)
    receivable = account_for(AccountKind.SELLER_RECEIVABLE, currency="USD", owner_id=seller.id)
    cash = account_for(AccountKind.PLATFORM_CASH, currency="USD")

    assert pending.cached_balance == 0
    assert receivable.cached_balance is None
    assert cash.cached_balance is None


def test_account_for_gives_each_owner_and_currency_its_own_account(app_ctx):
    one = make_user(Role.CREATOR)
    two = make_user(Role.CREATOR)
    accounts = {
        account_for(AccountKind.CREATOR_AVAILABLE, currency="USD", owner_id=one.id).id,
        account_for(AccountKind.CREATOR_AVAILABLE, currency="USD", owner_id=two.id).id,
        account_for(AccountKind.CREATOR_AVAILABLE, currency="EUR", owner_id=one.id).id,
        account_for(AccountKind.CREATOR_HELD, currency="USD", owner_id=one.id).id,
    }
    assert len(accounts) == 4


@pytest.mark.parametrize(
    "kind",
    [
        AccountKind.PLATFORM_CASH,
        AccountKind.PLATFORM_FEE_REVENUE,
        AccountKind.PLATFORM_PAYOUTS_CLEARING,
    ],
)
def test_account_for_refuses_an_owner_on_platform_accounts(creator, kind):
    with pytest.raises(ValueError, match="have no owner"):
        account_for(kind, currency="USD", owner_id=creator.id)


@pytest.mark.parametrize(
    "kind",
    [
        AccountKind.CREATOR_PENDING,
        AccountKind.CREATOR_AVAILABLE,
        AccountKind.CREATOR_HELD,
        AccountKind.SELLER_RECEIVABLE,
    ],
)
def test_account_for_refuses_an_owned_kind_without_an_owner(app_ctx, kind):
    with pytest.raises(ValueError, match="need an owner"):
        account_for(kind, currency="USD")


@pytest.mark.parametrize("currency", ["US", "USDT", "U$D", ""])
def test_account_for_refuses_what_is_not_a_currency_code(app_ctx, currency):
    with pytest.raises(ValueError, match="currency code"):
        account_for(AccountKind.PLATFORM_CASH, currency=currency)


def test_account_for_an_owner_that_does_not_exist_raises_the_integrity_error(app_ctx):
    with pytest.raises(IntegrityError):
        account_for(AccountKind.CREATOR_PENDING, currency="USD", owner_id=999_999)


# --- immutability (database triggers, on SQLite and PostgreSQL) -----------------------------


@pytest.fixture
def one_entry(cash, fees) -> LedgerEntry:
    entry = post_entry("order_paid", Cause("order_line", 1), [debit(cash, 100), credit(fees, 100)])
    db.session.commit()
    return entry


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_posting SET amount = amount * 2",
        "DELETE FROM ledger_posting",
        "UPDATE ledger_entry SET memo = 'rewritten'",
        "UPDATE ledger_entry SET cause_id = 'other'",
        "DELETE FROM ledger_entry",
    ],
)
def test_ledger_rows_cannot_be_updated_or_deleted(one_entry, statement):
    with pytest.raises(DBAPIError, match="immutable"):
        db.session.execute(text(statement))
    db.session.rollback()

    assert _count(LedgerEntry) == 1
    stored = db.session.get(LedgerEntry, one_entry.id)
    assert stored.memo is None
    assert sorted(p.amount for p in stored.postings) == [-100, 100]


def test_cached_balance_is_the_one_ledger_column_that_may_be_updated(cash, available):
    # Corrections are new entries; the cache is written by post_entry (and found out by the
    # check if anything else writes it: see test_check.py).
    _fund(cash, available, 100)
    db.session.execute(
        text("UPDATE ledger_account SET cached_balance = cached_balance WHERE id = :id"),
        {"id": available.id},
    )
    db.session.commit()
    assert balance(available) == 100
