"""commission holds: a pending commission under dispute or fraud review does not settle

Revision ID: f15d1b2c3d04
Revises: f16b1b2c3d02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f15d1b2c3d04"
down_revision = "f16b1b2c3d02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("commission") as batch_op:
        batch_op.add_column(sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "commission_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commission_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("close_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "source IN ('dispute', 'fraud')", name=op.f("ck_commission_hold_source_known")
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('released', 'reversed')",
            name=op.f("ck_commission_hold_outcome_known"),
        ),
        sa.CheckConstraint(
            "(closed_at IS NULL) = (outcome IS NULL)",
            name=op.f("ck_commission_hold_closed_with_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["commission_id"],
            ["commission.id"],
            name=op.f("fk_commission_hold_commission_id_commission"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["user_account.id"],
            name=op.f("fk_commission_hold_opened_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["user_account.id"],
            name=op.f("fk_commission_hold_closed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_hold")),
    )
    with op.batch_alter_table("commission_hold") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commission_hold_commission_id"), ["commission_id"], unique=False
        )
        batch_op.create_index("ix_commission_hold_open", ["source", "closed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("commission_hold") as batch_op:
        batch_op.drop_index("ix_commission_hold_open")
        batch_op.drop_index(batch_op.f("ix_commission_hold_commission_id"))
    op.drop_table("commission_hold")
    with op.batch_alter_table("commission") as batch_op:
        batch_op.drop_column("held_at")
