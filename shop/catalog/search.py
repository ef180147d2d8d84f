"""Full-text product search with the database's own index.

PostgreSQL: the weighted ``tsvector`` expression of the migration's GIN index
(``ix_product_search``), matched with ``websearch_to_tsquery`` and ranked with ``ts_rank``.
SQLite: the FTS5 table ``product_fts`` (kept by triggers), matched with ``MATCH`` and ranked with
``bm25``. Both weigh a title match above a description match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, literal_column, table
from sqlalchemy.sql import column

from core.extensions import db
from shop.catalog.models import Product

MAX_QUERY_LENGTH = 200
MAX_TOKENS = 16

# On PostgreSQL the migration adds ``product.search_vector``: a stored column generated from the
# weighted title (A) and description (B), with the GIN index ``ix_product_search``. It is not
# declared on the model (SQLite has FTS5 instead), so queries name it as a literal column;
# tests/shop/browse/test_search.py checks with EXPLAIN that the index is used.
PG_SEARCH_VECTOR = "product.search_vector"
PG_CONFIG = "'english'::regconfig"

# bm25 weights per FTS5 column (title, description): a title hit counts ten times more.
FTS_WEIGHTS = (10.0, 1.0)

_fts = table("product_fts", column("rowid"))
_WORD = re.compile(r"\w", re.UNICODE)


def clean_query(text: str | None) -> str:
    """The user's query trimmed to a sane length, with whitespace collapsed."""
    return " ".join((text or "").split())[:MAX_QUERY_LENGTH].strip()


def fts5_query(text: str) -> str:
    """Quote each token of ``text`` for FTS5, so that no user input is read as FTS5 syntax.

    Tokens without a letter or digit (``*``, ``-``, ``"``) are dropped: FTS5 would find
    nothing for them, and with implicit AND they would empty the whole result.
    """
    tokens = [t for t in text.split() if _WORD.search(t)][:MAX_TOKENS]
    return " ".join('"' + t.replace('"', '""') + '"' for t in tokens)


@dataclass(frozen=True)
class SearchClause:
    """How to restrict and rank a ``select(Product)`` for one query on this database."""

    text: str

    @property
    def is_postgres(self) -> bool:
        return db.engine.dialect.name == "postgresql"

    @property
    def is_empty(self) -> bool:
        """True when the query cannot match anything (nothing searchable in it)."""
        if self.is_postgres:
            return not _WORD.search(self.text)
        return not fts5_query(self.text)

    def apply(self, statement: Select) -> Select:
        """Restrict ``statement`` (over ``Product``) to products matching the query."""
        if self.is_postgres:
            return statement.where(_pg_vector().bool_op("@@")(_pg_query(self.text)))
        return statement.join(_fts, _fts.c.rowid == Product.id).where(
            literal_column("product_fts").op("MATCH")(fts5_query(self.text))
        )

    def rank(self) -> ColumnElement:
        """An ORDER BY expression, best match first (use only on an ``apply``-ed statement)."""
        if self.is_postgres:
            return func.ts_rank(_pg_vector(), _pg_query(self.text)).desc()
        # bm25 is lower for better matches.
        return func.bm25(literal_column("product_fts"), *FTS_WEIGHTS).asc()


def _pg_vector() -> ColumnElement:
    return literal_column(PG_SEARCH_VECTOR)


def _pg_query(text: str) -> ColumnElement:
    return func.websearch_to_tsquery(literal_column(PG_CONFIG), text)
