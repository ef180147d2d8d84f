"""live flash deals and reminders: a seller's deal for one creator's live, its purchases, the
order line's live deal, and viewers' reminders of scheduled lives

Revision ID: f16b1b2c3d02
Revises: f16a1b2c3d01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f16b1b2c3d02"
down_revision = "f16a1b2c3d01"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "live_deal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("content_id", sa.Integer(), nullable=False),
        sa.Column("deal_price", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("sold", sa.Integer(), nullable=False),
        sa.Column("per_buyer_limit", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        _when("ended_at"),
        _when("opened_at"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("deal_price > 0", name=op.f("ck_live_deal_deal_price_positive")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_live_deal_quantity_positive")),
        sa.CheckConstraint(
            "sold >= 0 AND sold <= quantity", name=op.f("ck_live_deal_never_oversold")
        ),
        sa.CheckConstraint(
            "per_buyer_limit > 0 AND per_buyer_limit <= quantity",
            name=op.f("ck_live_deal_per_buyer_limit_valid"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_live_deal_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_live_deal_store_id_store"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_live_deal_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["variant.id"],
            name=op.f("fk_live_deal_variant_id_variant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["user_account.id"],
            name=op.f("fk_live_deal_creator_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_deal")),
    )
    op.create_index("ix_live_deal_content", "live_deal", ["content_type", "content_id", "ends_at"])
    op.create_index("ix_live_deal_variant_window", "live_deal", ["variant_id", "ends_at"])
    op.create_index("ix_live_deal_store_window", "live_deal", ["store_id", "ends_at"])

    op.create_table(
        "live_deal_purchase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _when("released_at"),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_live_deal_purchase_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["live_deal.id"],
            name=op.f("fk_live_deal_purchase_deal_id_live_deal"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["user_account.id"],
            name=op.f("fk_live_deal_purchase_buyer_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["shop_order.id"],
            name=op.f("fk_live_deal_purchase_order_id_shop_order"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_deal_purchase")),
        sa.UniqueConstraint(
            "deal_id", "order_id", name=op.f("uq_live_deal_purchase_deal_id_order_id")
        ),
    )
    op.create_index(
        "ix_live_deal_purchase_deal_buyer", "live_deal_purchase", ["deal_id", "buyer_id"]
    )

    with op.batch_alter_table("order_line") as batch:
        batch.add_column(sa.Column("live_deal_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_order_line_live_deal_id_live_deal"),
            "live_deal",
            ["live_deal_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "live_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _when("soon_sent_at"),
        _when("started_sent_at"),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content.id"],
            name=op.f("fk_live_reminder_content_id_content"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_live_reminder_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_reminder")),
        sa.UniqueConstraint(
            "content_id", "user_id", name=op.f("uq_live_reminder_content_id_user_id")
        ),
    )
    op.create_index("ix_live_reminder_user", "live_reminder", ["user_id", "content_id"])


def downgrade() -> None:
    op.drop_index("ix_live_reminder_user", table_name="live_reminder")
    op.drop_table("live_reminder")
    with op.batch_alter_table("order_line") as batch:
        batch.drop_constraint(op.f("fk_order_line_live_deal_id_live_deal"), type_="foreignkey")
        batch.drop_column("live_deal_id")
    op.drop_index("ix_live_deal_purchase_deal_buyer", table_name="live_deal_purchase")
    op.drop_table("live_deal_purchase")
    op.drop_index("ix_live_deal_store_window", table_name="live_deal")
    op.drop_index("ix_live_deal_variant_window", table_name="live_deal")
    op.drop_index("ix_live_deal_content", table_name="live_deal")
    op.drop_table("live_deal")
