"""fraud flags: rules that hold commissions for finance; payments keep the card fingerprint

Revision ID: f15f1b2c3d06
Revises: f15c1b2c3d03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f15f1b2c3d06"
down_revision = "f15c1b2c3d03"
branch_labels = None
depends_on = None

RULES = "'self_purchase', 'brushing', 'quick_refunds', 'tap_to_order', 'sample_abuse'"


def upgrade() -> None:
    with op.batch_alter_table("payment") as batch_op:
        batch_op.add_column(sa.Column("card_fingerprint", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_payment_card_fingerprint", ["card_fingerprint"], unique=False)
    op.create_table(
        "fraud_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("commission_id", sa.Integer(), nullable=False),
        sa.Column("hold_id", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"rule IN ({RULES})", name=op.f("ck_fraud_flag_rule_known")),
        sa.ForeignKeyConstraint(
            ["commission_id"],
            ["commission.id"],
            name=op.f("fk_fraud_flag_commission_id_commission"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"],
            ["commission_hold.id"],
            name=op.f("fk_fraud_flag_hold_id_commission_hold"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fraud_flag")),
        sa.UniqueConstraint("rule", "commission_id", name=op.f("uq_fraud_flag_rule_commission_id")),
    )
    with op.batch_alter_table("fraud_flag") as batch_op:
        batch_op.create_index("ix_fraud_flag_commission", ["commission_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fraud_flag_hold_id"), ["hold_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fraud_flag") as batch_op:
        batch_op.drop_index(batch_op.f("ix_fraud_flag_hold_id"))
        batch_op.drop_index("ix_fraud_flag_commission")
    op.drop_table("fraud_flag")
    with op.batch_alter_table("payment") as batch_op:
        batch_op.drop_index("ix_payment_card_fingerprint")
        batch_op.drop_column("card_fingerprint")
