"""The migrations build exactly the schema that the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.extensions import db


def _type_differs(context, inspected_column, metadata_column, inspected_type, metadata_type):
    """Compare types loosely: the app's UTCDateTime is a timezone-aware DateTime underneath."""
    if type(metadata_type).__name__ == "UTCDateTime":
        return inspected_type.__class__.__name__.upper() not in {"DATETIME", "TIMESTAMP"}
    return None


# Objects that the migrations build by hand and the models do not declare.
UNDECLARED = ("product_fts", "ix_product_search", "search_vector")


def _declared(obj, name, type_, reflected, compare_to):
    return not (name or "").startswith(UNDECLARED)


def test_migrated_schema_matches_the_models(app_ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": _type_differs,
                "compare_server_default": False,
                "include_object": _declared,
            },
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_ledger_immutability_triggers_exist(app_ctx, is_postgres):
    with db.engine.connect() as connection:
        if is_postgres:
            rows = connection.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            ).all()
        else:
            rows = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            ).all()
    names = {row[0] for row in rows}
    if is_postgres:
        expected = {"ledger_entry_immutable", "ledger_posting_immutable", "ledger_posting_balanced"}
    else:
        expected = {
            "ledger_entry_no_update",
            "ledger_entry_no_delete",
            "ledger_posting_no_update",
            "ledger_posting_no_delete",
        }
    assert expected <= names
