"""disputes both ways: a seller's contest, a creator's claim or contest, finance's answer

One case open per order line at a time (a partial unique index); the timeline is append-only.

Revision ID: f15e1b2c3d05
Revises: f15f1b2c3d06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f15e1b2c3d05"
down_revision = "f15f1b2c3d06"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("commission_id", sa.Integer(), nullable=True),
        sa.Column("hold_id", sa.Integer(), nullable=True),
        sa.Column("content_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("overdue_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.String(length=1000), nullable=True),
        sa.CheckConstraint(
            "(state = 'open') = (closed_at IS NULL)", name=op.f("ck_dispute_closed_when_not_open")
        ),
        sa.CheckConstraint(
            "kind IN ('seller_contest', 'missing', 'reversal')", name=op.f("ck_dispute_kind_known")
        ),
        sa.CheckConstraint(
            "state IN ('open', 'upheld', 'rejected', 'withdrawn')",
            name=op.f("ck_dispute_state_known"),
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_dispute_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["user_account.id"],
            name=op.f("fk_dispute_closed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["commission_id"],
            ["commission.id"],
            name=op.f("fk_dispute_commission_id_commission"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content.id"],
            name=op.f("fk_dispute_content_id_content"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["user_account.id"],
            name=op.f("fk_dispute_creator_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"],
            ["commission_hold.id"],
            name=op.f("fk_dispute_hold_id_commission_hold"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["user_account.id"],
            name=op.f("fk_dispute_opened_by_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["shop_order.id"],
            name=op.f("fk_dispute_order_id_shop_order"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_line.id"],
            name=op.f("fk_dispute_order_line_id_order_line"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_dispute_store_id_store"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute")),
    )
    with op.batch_alter_table("dispute", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispute_commission_id"), ["commission_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dispute_creator_id"), ["creator_id"], unique=False)
        batch_op.create_index("ix_dispute_state_answer_by", ["state", "answer_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_store_id"), ["store_id"], unique=False)
        batch_op.create_index(
            "uq_dispute_open_line",
            ["order_line_id"],
            unique=True,
            sqlite_where=sa.text("state = 'open'"),
            postgresql_where=sa.text("state = 'open'"),
        )

    op.create_table(
        "dispute_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("party", sa.String(length=8), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('opened', 'evidence', 'comment', 'overdue', 'decided', 'withdrawn')",
            name=op.f("ck_dispute_event_kind_known"),
        ),
        sa.CheckConstraint(
            "party IN ('seller', 'creator', 'finance', 'system')",
            name=op.f("ck_dispute_event_party_known"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_dispute_event_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["dispute.id"],
            name=op.f("fk_dispute_event_dispute_id_dispute"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_event")),
    )
    with op.batch_alter_table("dispute_event", schema=None) as batch_op:
        batch_op.create_index("ix_dispute_event_dispute", ["dispute_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dispute_event", schema=None) as batch_op:
        batch_op.drop_index("ix_dispute_event_dispute")

    op.drop_table("dispute_event")
    with op.batch_alter_table("dispute", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_dispute_open_line",
            sqlite_where=sa.text("state = 'open'"),
            postgresql_where=sa.text("state = 'open'"),
        )
        batch_op.drop_index(batch_op.f("ix_dispute_store_id"))
        batch_op.drop_index("ix_dispute_state_answer_by")
        batch_op.drop_index(batch_op.f("ix_dispute_creator_id"))
        batch_op.drop_index(batch_op.f("ix_dispute_commission_id"))

    op.drop_table("dispute")
