"""Full-text product search with the database's own index.

PostgreSQL: the weighted ``tsvector`` column of the migration's GIN index (``ix_product_search``),
matched with ``websearch_to_tsquery``; a second stored column of the title alone
(``search_vector_title``, GIN index ``ix_product_search_title``) tells title matches apart.
SQLite: the FTS5 table ``product_fts`` (kept by triggers), matched with ``MATCH``; a title match is
the same query restricted to the ``title`` column.

Relevance is a tier, then popularity: products with every word of the query in their title first,
then the others (description matches); within a tier the best-selling first, then the newest id.
Unlike ``ts_rank`` (which must read and score every match before it can sort), this order is one
that an index can give: ``shop.catalog.search_paging`` walks ``ix_product_status_sold`` and stops at
the page, so a query matching a quarter of the catalogue costs what a rare one does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, literal_column, select, table
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

PG_TITLE_VECTOR = "product.search_vector_title"

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

    def apply_to_title(self, statement: Select) -> Select:
        """Restrict ``statement`` to products with every word of the query in their title."""
        if self.is_postgres:  # the title vector alone: its index, without the whole one's
            return statement.where(self.in_title())
        return self.apply(statement).where(self.in_title())

    def in_title(self) -> ColumnElement[bool]:
        """True for a product with every word of the query in its title (the first tier)."""
        if self.is_postgres:
            return literal_column(PG_TITLE_VECTOR).bool_op("@@")(_pg_query(self.text))
        titled = select(_fts.c.rowid).where(
            literal_column("product_fts").op("MATCH")(f"title : ({fts5_query(self.text)})")
        )
        return Product.id.in_(titled)

    def rank(self) -> list[ColumnElement]:
        """ORDER BY expressions, best match first (use only on an ``apply``-ed statement)."""
        return [self.in_title().desc(), *POPULAR]


#: The order within a tier: the best-selling, then the newest (``ix_product_status_sold``).
POPULAR = (Product.sold_count.desc(), Product.id.desc())


def _pg_vector() -> ColumnElement:
    return literal_column(PG_SEARCH_VECTOR)


def _pg_query(text: str) -> ColumnElement:
    return func.websearch_to_tsquery(literal_column(PG_CONFIG), text)
