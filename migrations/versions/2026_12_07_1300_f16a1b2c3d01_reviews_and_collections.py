"""reviews and collections: verified-buyer reviews with photos, helpful marks and the products'
denormalised ratings; creators' collections, and the collection a commission came from

Revision ID: f16a1b2c3d01
Revises: f14b1b2c3d02
Create Date: 2026-12-07 13:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f16a1b2c3d01"
down_revision = "f14b1b2c3d02"
branch_labels = None
depends_on = None


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # Plain ADD COLUMNs: on SQLite a batch rebuild of ``product`` would drop the triggers that
    # keep ``product_fts`` in step. SQLite cannot add a CHECK without that rebuild, so the
    # rating CHECK is PostgreSQL's only there (the services keep the sums either way).
    for name in ("rating_sum", "rating_count", "rating_avg_centi"):
        op.add_column("product", sa.Column(name, sa.Integer(), server_default="0", nullable=False))
    if _postgres():
        op.create_check_constraint(
            op.f("ck_product_rating_sum_in_range"),
            "product",
            "rating_count >= 0 AND rating_sum BETWEEN rating_count AND 5 * rating_count",
        )
    op.create_index(
        "ix_product_status_rating", "product", ["status", "rating_avg_centi", "rating_count"]
    )

    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _at("created_at"),
        _at("edited_at", nullable=True),
        sa.Column("helpful_count", sa.Integer(), nullable=False),
        sa.Column("photo_count", sa.SmallInteger(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        _at("replied_at", nullable=True),
        sa.Column("replied_by_id", sa.Integer(), nullable=True),
        _at("hidden_at", nullable=True),
        sa.Column("hidden_reason", sa.String(length=300), nullable=True),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_review_rating_one_to_five")),
        sa.CheckConstraint("helpful_count >= 0", name=op.f("ck_review_helpful_not_negative")),
        sa.CheckConstraint(
            "photo_count BETWEEN 0 AND 5", name=op.f("ck_review_photo_count_within_limit")
        ),
        sa.CheckConstraint(
            "(hidden_at IS NULL) = (hidden_reason IS NULL)",
            name=op.f("ck_review_hidden_with_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_line.id"],
            name=op.f("fk_review_order_line_id_order_line"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_review_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_review_store_id_store"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["user_account.id"],
            name=op.f("fk_review_buyer_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replied_by_id"],
            ["user_account.id"],
            name=op.f("fk_review_replied_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by_id"],
            ["user_account.id"],
            name=op.f("fk_review_hidden_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
        sa.UniqueConstraint("order_line_id", name=op.f("uq_review_order_line_id")),
    )
    op.create_index("ix_review_product_created", "review", ["product_id", "created_at"])
    op.create_index("ix_review_product_helpful", "review", ["product_id", "helpful_count"])
    op.create_index("ix_review_store_created", "review", ["store_id", "created_at"])
    op.create_index("ix_review_buyer", "review", ["buyer_id"])

    op.create_table(
        "review_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("thumb_path", sa.String(length=255), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
            name=op.f("fk_review_photo_review_id_review"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_photo")),
    )
    op.create_index("ix_review_photo_review", "review_photo", ["review_id", "position"])

    op.create_table(
        "review_helpful",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _at("created_at"),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
            name=op.f("fk_review_helpful_review_id_review"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_review_helpful_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("review_id", "user_id", name=op.f("pk_review_helpful")),
    )

    op.create_table(
        "creator_collection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("product_count", sa.Integer(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.CheckConstraint("slug = lower(slug)", name=op.f("ck_creator_collection_slug_lowercase")),
        sa.CheckConstraint(
            "product_count BETWEEN 0 AND 100",
            name=op.f("ck_creator_collection_product_count_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["user_account.id"],
            name=op.f("fk_creator_collection_creator_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_collection")),
        sa.UniqueConstraint(
            "creator_id", "slug", name=op.f("uq_creator_collection_creator_id_slug")
        ),
    )
    op.create_index(
        "ix_creator_collection_creator", "creator_collection", ["creator_id", "created_at"]
    )

    op.create_table(
        "creator_collection_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _at("added_at"),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["creator_collection.id"],
            name=op.f("fk_creator_collection_item_collection_id_creator_collection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_creator_collection_item_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_collection_item")),
        sa.UniqueConstraint(
            "collection_id",
            "product_id",
            name=op.f("uq_creator_collection_item_collection_id_product_id"),
        ),
    )
    op.create_index(
        "ix_creator_collection_item_order",
        "creator_collection_item",
        ["collection_id", "position"],
    )
    op.create_index("ix_creator_collection_item_product", "creator_collection_item", ["product_id"])

    with op.batch_alter_table("commission") as batch:
        batch.add_column(sa.Column("collection_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_commission_collection_id_creator_collection"),
            "creator_collection",
            ["collection_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("commission") as batch:
        batch.drop_constraint(
            op.f("fk_commission_collection_id_creator_collection"), type_="foreignkey"
        )
        batch.drop_column("collection_id")
    op.drop_table("creator_collection_item")
    op.drop_table("creator_collection")
    op.drop_table("review_helpful")
    op.drop_table("review_photo")
    op.drop_table("review")
    op.drop_index("ix_product_status_rating", table_name="product")
    if _postgres():
        op.drop_constraint(op.f("ck_product_rating_sum_in_range"), "product", type_="check")
    for name in ("rating_avg_centi", "rating_count", "rating_sum"):
        op.drop_column("product", name)  # SQLite 3.35+: ALTER TABLE … DROP COLUMN, no rebuild
