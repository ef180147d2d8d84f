"""search by tiers: a stored title-only tsvector with its GIN index (PostgreSQL), and the
best-selling index extended by id, so that search relevance (title tier, then sold_count, then
id) and the best-selling listing are walked in index order and stop at the page

Revision ID: f18a1b2c3d01
Revises: f15e1b2c3d05

SQLite needs no new search object: the FTS5 table ``product_fts`` already indexes the title as a
column of its own (``title : (…)`` queries it alone).
"""

from __future__ import annotations

from alembic import op

# revision identifiers, used by Alembic.
revision = "f18a1b2c3d01"
down_revision = "f15e1b2c3d05"
branch_labels = None
depends_on = None

# Keep in step with shop.catalog.search (PG_TITLE_VECTOR) and the search_vector of 65c6efc10449.
PG_TITLE_VECTOR = "to_tsvector('english', coalesce(title, ''))"


def upgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index("ix_product_status_sold")
        batch_op.create_index("ix_product_status_sold", ["status", "sold_count", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE product ADD COLUMN search_vector_title tsvector "
            f"GENERATED ALWAYS AS ({PG_TITLE_VECTOR}) STORED"
        )
        op.execute(
            "CREATE INDEX ix_product_search_title ON product USING gin (search_vector_title)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_product_search_title")
        op.execute("ALTER TABLE product DROP COLUMN search_vector_title")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index("ix_product_status_sold")
        batch_op.create_index("ix_product_status_sold", ["status", "sold_count"])
