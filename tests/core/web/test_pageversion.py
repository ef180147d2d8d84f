"""Which tables a statement run through the session writes, for the page version and the
private pages' table epochs."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import insert, literal, select, text

from core.audit.models import AuditEvent
from core.ledger.models import LedgerEntry, LedgerPosting
from core.web.pageversion import IGNORED_TABLES, _mark, _written_tables


def written(statement) -> set[str]:
    return _written_tables(SimpleNamespace(statement=statement))  # type: ignore[arg-type]


def test_an_insert_with_a_writing_cte_names_both_tables():
    entry = (
        insert(LedgerEntry)
        .values(kind="test", cause_type="test", cause_id="1")
        .returning(LedgerEntry.id)
        .cte("entry")
    )
    statement = insert(LedgerPosting).from_select(
        ["entry_id", "account_id", "amount"], select(entry.c.id, literal(1), literal(100))
    )

    assert written(statement) == {"ledger_entry", "ledger_posting"}


def test_a_plain_insert_names_its_table():
    assert written(insert(AuditEvent).values(action="x")) == {"audit_event"}


def test_a_text_statement_names_every_table_it_writes():
    statement = text(
        "WITH moved AS (DELETE FROM outbox_message WHERE id = 1 RETURNING id) "
        "INSERT INTO audit_event (action) SELECT 'moved' FROM moved"
    )

    assert written(statement) == {"outbox_message", "audit_event"}


def test_a_text_read_writes_nothing():
    assert written(text("SELECT pg_advisory_xact_lock(42)")) == set()


def test_a_write_nobody_can_name_marks_every_ignored_table_and_the_version():
    session = SimpleNamespace(info={})

    _mark(session, written(text("COPY content_event FROM STDIN")))  # type: ignore[arg-type]

    assert session.info["pagecache_dirty"] is True
    assert session.info["pagecache_tables"] == set(IGNORED_TABLES)
