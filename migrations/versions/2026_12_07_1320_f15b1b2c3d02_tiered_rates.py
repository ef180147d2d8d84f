"""tiered rates: a product's rate in a plan rises at paid-order thresholds

Revision ID: f15b1b2c3d02
Revises: f15a1b2c3d01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "f15b1b2c3d02"
down_revision = "f15a1b2c3d01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_rate_tier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("min_orders", sa.Integer(), nullable=False),
        sa.Column("rate_bps", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("min_orders > 0", name=op.f("ck_plan_rate_tier_min_orders_positive")),
        sa.CheckConstraint(
            "rate_bps BETWEEN 100 AND 8000", name=op.f("ck_plan_rate_tier_rate_within_bounds")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
            name=op.f("fk_plan_rate_tier_plan_id_plan"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_plan_rate_tier_product_id_product"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_rate_tier")),
        sa.UniqueConstraint(
            "plan_id",
            "product_id",
            "min_orders",
            name=op.f("uq_plan_rate_tier_plan_id_product_id_min_orders"),
        ),
    )
    with op.batch_alter_table("order_line") as batch_op:
        batch_op.create_index(
            "ix_order_line_commission_plan", ["commission_plan_id", "product_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("order_line") as batch_op:
        batch_op.drop_index("ix_order_line_commission_plan")
    op.drop_table("plan_rate_tier")
