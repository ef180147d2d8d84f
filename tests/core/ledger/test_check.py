"""The ledger check (``check_ledger`` and ``flask ledger check``) finds every kind of tampering."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from core.accounts.models import Role
from core.extensions import db
from core.ledger.checks import check_ledger, latest_checks
from core.ledger.models import AccountKind, LedgerAccount, LedgerCheckRun, LedgerEntry
from core.ledger.services import Cause, account_for, credit, debit, post_entry
from tests.factories import make_user


@pytest.fixture
def cash(app_ctx) -> LedgerAccount:
    return account_for(AccountKind.PLATFORM_CASH, currency="USD")


@pytest.fixture
def available(app_ctx) -> LedgerAccount:
    creator = make_user(Role.CREATOR)
    return account_for(AccountKind.CREATOR_AVAILABLE, currency="USD", owner_id=creator.id)


@pytest.fixture
def posted(cash, available) -> LedgerAccount:
    """Two ordinary entries; returns the creator's available account ($7.50)."""
    post_entry("order_paid", Cause("order_line", 1), [debit(cash, 500), credit(available, 500)])
    post_entry("order_paid", Cause("order_line", 2), [debit(cash, 250), credit(available, 250)])
    db.session.commit()
    return available


def _tamper_cache(account: LedgerAccount, value: int) -> None:
    db.session.execute(
        text("UPDATE ledger_account SET cached_balance = :value WHERE id = :id"),
        {"value": value, "id": account.id},
    )
    db.session.commit()


def _insert_raw_entry(cause_id: str) -> int:
    return db.session.execute(
        text(
            "INSERT INTO ledger_entry (kind, cause_type, cause_id, created_at) "
            "VALUES ('tampered', 'test', :cause_id, CURRENT_TIMESTAMP) RETURNING id"
        ),
        {"cause_id": cause_id},
    ).scalar_one()


def _insert_raw_posting(entry_id: int, account: LedgerAccount, amount: int) -> None:
    db.session.execute(
        text(
            "INSERT INTO ledger_posting (entry_id, account_id, amount) "
            "VALUES (:entry_id, :account_id, :amount)"
        ),
        {"entry_id": entry_id, "account_id": account.id, "amount": amount},
    )


def _ledger_check(app, *args: str):
    return app.test_cli_runner().invoke(args=["ledger", "check", *args])


# --- check_ledger ---------------------------------------------------------------------------


def test_check_of_an_empty_ledger_is_ok(app_ctx):
    report = check_ledger()
    assert report.ok
    assert (report.entries_checked, report.accounts_checked, report.problems) == (0, 0, [])


def test_check_of_a_clean_ledger_is_ok_and_counts_what_it_checked(posted):
    report = check_ledger()
    assert report.ok
    assert report.problems == []
    assert (report.entries_checked, report.accounts_checked) == (2, 2)


@pytest.mark.tampers_ledger
def test_check_finds_a_tampered_cached_balance(posted):
    _tamper_cache(posted, 1_000_000)

    report = check_ledger()

    assert not report.ok
    assert report.problems == [f"account {posted.key} caches 1000000 but its postings sum to 750"]


@pytest.mark.tampers_ledger
def test_check_finds_a_cache_set_on_an_account_with_no_postings(app_ctx, available):
    _tamper_cache(available, 1)

    report = check_ledger()

    assert report.problems == [f"account {available.key} caches 1 but its postings sum to 0"]


@pytest.mark.tampers_ledger
def test_check_finds_an_entry_without_postings(posted):
    _insert_raw_entry("no-postings")
    db.session.commit()

    report = check_ledger()

    assert not report.ok
    assert len(report.problems) == 1
    assert "has 0 posting(s)" in report.problems[0]


@pytest.mark.tampers_ledger
def test_check_on_sqlite_finds_an_unbalanced_entry_inserted_by_raw_sql(posted, cash, is_postgres):
    if is_postgres:
        pytest.skip("PostgreSQL refuses the unbalanced entry at commit (see the next test)")
    entry_id = _insert_raw_entry("unbalanced")
    _insert_raw_posting(entry_id, cash, 100)
    _insert_raw_posting(entry_id, cash, -90)
    db.session.commit()

    report = check_ledger()

    assert report.problems == [f"entry {entry_id} does not balance in USD: postings sum to 10"]


@pytest.mark.tampers_ledger
def test_check_on_sqlite_finds_an_entry_with_one_posting(posted, cash, is_postgres):
    if is_postgres:
        pytest.skip("PostgreSQL refuses the unbalanced entry at commit")
    entry_id = _insert_raw_entry("single")
    _insert_raw_posting(entry_id, cash, 100)
    db.session.commit()

    problems = check_ledger().problems

    assert f"entry {entry_id} does not balance in USD: postings sum to 100" in problems
    assert f"entry {entry_id} has 1 posting(s); an entry needs at least two" in problems


def test_postgres_refuses_an_unbalanced_entry_at_commit(postgres_only, posted, cash):
    entry_id = _insert_raw_entry("unbalanced")
    _insert_raw_posting(entry_id, cash, 100)
    _insert_raw_posting(entry_id, cash, -90)  # the trigger is deferred: the insert succeeds

    with pytest.raises(IntegrityError, match=f"ledger entry {entry_id} does not balance in USD"):
        db.session.commit()
    db.session.rollback()

    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 2
    assert check_ledger().ok


def test_postgres_accepts_a_balanced_entry_inserted_by_raw_sql(postgres_only, posted, cash):
    entry_id = _insert_raw_entry("balanced")
    _insert_raw_posting(entry_id, cash, 100)
    _insert_raw_posting(entry_id, cash, -100)
    db.session.commit()

    assert check_ledger().ok


# --- flask ledger check ---------------------------------------------------------------------


def test_cli_check_of_a_clean_ledger_exits_zero_saying_ledger_ok(app, posted):
    result = _ledger_check(app)

    assert result.exit_code == 0, result.output
    assert "checked 2 entries and 2 accounts" in result.stdout
    assert result.stdout.strip().endswith("ledger OK")


@pytest.mark.tampers_ledger
def test_cli_check_of_a_tampered_ledger_exits_one_printing_the_problem(app, posted):
    _tamper_cache(posted, 1_000_000)

    result = _ledger_check(app)

    assert result.exit_code == 1
    assert (
        f"PROBLEM: account {posted.key} caches 1000000 but its postings sum to 750" in result.stderr
    )
    assert "ledger OK" not in result.output


def test_cli_check_records_its_result_for_the_finance_centre(app, posted):
    _ledger_check(app)

    runs = latest_checks()
    assert len(runs) == 1
    assert runs[0].ok
    assert (runs[0].entries_checked, runs[0].accounts_checked) == (2, 2)


@pytest.mark.tampers_ledger
def test_cli_check_records_the_problems_it_found(app, posted):
    _tamper_cache(posted, 1)

    _ledger_check(app)

    run = latest_checks()[0]
    assert not run.ok
    assert run.problems == f"account {posted.key} caches 1 but its postings sum to 750"


def test_cli_check_with_no_record_leaves_no_trace(app, posted):
    result = _ledger_check(app, "--no-record")

    assert result.exit_code == 0
    assert db.session.scalar(select(func.count(LedgerCheckRun.id))) == 0
