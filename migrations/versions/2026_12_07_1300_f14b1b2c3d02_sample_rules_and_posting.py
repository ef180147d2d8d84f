"""sample rules and posting: rules that approve samples by themselves, a store's posting-rate
floor, the posting obligation on delivered samples, sample costs and variants' cost prices

Revision ID: f14b1b2c3d02
Revises: f14a1b2c3d01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f14b1b2c3d02"
down_revision = "f14a1b2c3d01"
branch_labels = None
depends_on = None

_RATE = "min_posting_rate_bps IS NULL OR min_posting_rate_bps BETWEEN 0 AND 10000"


def upgrade() -> None:
    op.create_table(
        "sample_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("min_gmv_30d", sa.BigInteger(), nullable=True),
        sa.Column("min_posting_rate_bps", sa.Integer(), nullable=True),
        sa.Column("min_followers", sa.Integer(), nullable=True),
        sa.Column("max_price", sa.BigInteger(), nullable=True),
        sa.Column("monthly_quota", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "min_gmv_30d IS NULL OR min_gmv_30d >= 0",
            name=op.f("ck_sample_rule_min_gmv_not_negative"),
        ),
        sa.CheckConstraint(_RATE, name=op.f("ck_sample_rule_min_posting_rate_range")),
        sa.CheckConstraint(
            "min_followers IS NULL OR min_followers >= 0",
            name=op.f("ck_sample_rule_min_followers_not_negative"),
        ),
        sa.CheckConstraint(
            "max_price IS NULL OR max_price >= 0",
            name=op.f("ck_sample_rule_max_price_not_negative"),
        ),
        sa.CheckConstraint(
            "monthly_quota IS NULL OR monthly_quota >= 1",
            name=op.f("ck_sample_rule_monthly_quota_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_sample_rule_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_sample_rule_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_rule")),
    )
    op.create_index("ix_sample_rule_store", "sample_rule", ["store_id", "product_id"])
    op.create_table(
        "sample_setting",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("min_posting_rate_bps", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_RATE, name=op.f("ck_sample_setting_min_posting_rate_range")),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_sample_setting_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_sample_setting")),
    )
    with op.batch_alter_table("sample_request") as batch:
        batch.add_column(sa.Column("approved_rule_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("approved_by_rule", sa.String(length=300), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("unit_cost", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("shipping_cost", sa.BigInteger(), server_default="0", nullable=False)
        )
        for column in (
            "delivered_at",
            "post_deadline",
            "posted_at",
            "reminded_3d_at",
            "reminded_1d_at",
            "nudged_at",
        ):
            batch.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("post_state", sa.String(length=12), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_sample_request_approved_rule_id_sample_rule"),
            "sample_rule",
            ["approved_rule_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_check_constraint(
            batch.f("ck_sample_request_post_state_known"),
            "post_state IS NULL OR post_state IN ('due', 'posted', 'not_posted')",
        )
        batch.create_check_constraint(
            batch.f("ck_sample_request_post_deadline_with_state"),
            "(post_state IS NULL) = (post_deadline IS NULL)",
        )
        batch.create_check_constraint(
            batch.f("ck_sample_request_shipping_cost_not_negative"), "shipping_cost >= 0"
        )
        batch.create_check_constraint(
            batch.f("ck_sample_request_unit_cost_not_negative"),
            "unit_cost IS NULL OR unit_cost >= 0",
        )
        batch.create_index("ix_sample_request_post_state", ["post_state", "post_deadline"])
    with op.batch_alter_table("variant") as batch:
        batch.add_column(sa.Column("cost_price", sa.BigInteger(), nullable=True))
        batch.create_check_constraint(
            batch.f("ck_variant_cost_price_not_negative"), "cost_price IS NULL OR cost_price >= 0"
        )


def downgrade() -> None:
    with op.batch_alter_table("variant") as batch:
        batch.drop_constraint(batch.f("ck_variant_cost_price_not_negative"), type_="check")
        batch.drop_column("cost_price")
    with op.batch_alter_table("sample_request") as batch:
        batch.drop_index("ix_sample_request_post_state")
        for name in (
            "ck_sample_request_unit_cost_not_negative",
            "ck_sample_request_shipping_cost_not_negative",
            "ck_sample_request_post_deadline_with_state",
            "ck_sample_request_post_state_known",
        ):
            batch.drop_constraint(batch.f(name), type_="check")
        batch.drop_constraint(
            batch.f("fk_sample_request_approved_rule_id_sample_rule"), type_="foreignkey"
        )
        for column in (
            "post_state",
            "nudged_at",
            "reminded_1d_at",
            "reminded_3d_at",
            "posted_at",
            "post_deadline",
            "delivered_at",
            "shipping_cost",
            "unit_cost",
            "approved_by_rule",
            "approved_rule_id",
        ):
            batch.drop_column(column)
    op.drop_table("sample_setting")
    op.drop_index("ix_sample_rule_store", table_name="sample_rule")
    op.drop_table("sample_rule")
