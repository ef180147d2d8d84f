"""messages and creator crm: store-creator conversations, their messages and reports; a store's
tags, private notes and saved segments on creators

Revision ID: f14a1b2c3d01
Revises: f13b1b2c3d02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f14a1b2c3d01"
down_revision = "f13b1b2c3d02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(length=10), nullable=False),
        sa.Column("origin", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seller_unanswered", sa.Integer(), nullable=False),
        sa.Column("creator_has_replied", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("seller_unread", sa.Integer(), nullable=False),
        sa.Column("creator_unread", sa.Integer(), nullable=False),
        sa.Column("blocked_by_seller_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_by_creator_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "opened_by IN ('seller', 'creator')", name=op.f("ck_conversation_opened_by_known")
        ),
        sa.CheckConstraint(
            "seller_unanswered >= 0 AND seller_unread >= 0 AND creator_unread >= 0",
            name=op.f("ck_conversation_counters_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["user_account.id"],
            name=op.f("fk_conversation_creator_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_conversation_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation")),
        sa.UniqueConstraint(
            "store_id", "creator_id", name=op.f("uq_conversation_store_id_creator_id")
        ),
    )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversation_creator_recent", ["creator_id", "last_message_at"], unique=False
        )
        batch_op.create_index(
            "ix_conversation_store_opened", ["store_id", "opened_by", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_conversation_store_recent", ["store_id", "last_message_at"], unique=False
        )

    op.create_table(
        "creator_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(body) BETWEEN 1 AND 2000", name=op.f("ck_creator_note_body_length")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_creator_note_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["user_account.id"],
            name=op.f("fk_creator_note_creator_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_creator_note_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_note")),
    )
    with op.batch_alter_table("creator_note", schema=None) as batch_op:
        batch_op.create_index(
            "ix_creator_note_store_creator", ["store_id", "creator_id", "id"], unique=False
        )

    op.create_table(
        "creator_segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("filters", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(name) BETWEEN 1 AND 60", name=op.f("ck_creator_segment_name_length")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_creator_segment_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_segment")),
        sa.UniqueConstraint("store_id", "name", name=op.f("uq_creator_segment_store_id_name")),
    )
    op.create_table(
        "creator_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(name) BETWEEN 1 AND 40", name=op.f("ck_creator_tag_name_length")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
            name=op.f("fk_creator_tag_store_id_store"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creator_tag")),
        sa.UniqueConstraint("store_id", "key", name=op.f("uq_creator_tag_store_id_key")),
    )
    op.create_table(
        "creator_tagging",
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["user_account.id"],
            name=op.f("fk_creator_tagging_creator_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"],
            ["creator_tag.id"],
            name=op.f("fk_creator_tagging_tag_id_creator_tag"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tag_id", "creator_id", name=op.f("pk_creator_tagging")),
    )
    with op.batch_alter_table("creator_tagging", schema=None) as batch_op:
        batch_op.create_index("ix_creator_tagging_creator", ["creator_id", "tag_id"], unique=False)

    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("sender_side", sa.String(length=10), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("card_kind", sa.String(length=12), nullable=True),
        sa.Column("card_ref", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(card_kind IS NULL AND card_ref IS NULL) OR "
            "(card_kind IN ('invitation', 'product', 'sample') AND card_ref IS NOT NULL)",
            name=op.f("ck_message_card_known"),
        ),
        sa.CheckConstraint(
            "sender_side IN ('seller', 'creator')", name=op.f("ck_message_sender_side_known")
        ),
        sa.CheckConstraint("length(body) <= 2000", name=op.f("ck_message_body_length")),
        sa.CheckConstraint(
            "length(body) > 0 OR card_kind IS NOT NULL", name=op.f("ck_message_not_empty")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_message_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["user_account.id"],
            name=op.f("fk_message_sender_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
    )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.create_index("ix_message_conversation", ["conversation_id", "id"], unique=False)

    op.create_table(
        "message_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("reporter_side", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "reporter_side IN ('seller', 'creator')",
            name=op.f("ck_message_report_reporter_side_known"),
        ),
        sa.CheckConstraint(
            "length(reason) BETWEEN 5 AND 1000", name=op.f("ck_message_report_reason_length")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_message_report_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["user_account.id"],
            name=op.f("fk_message_report_reporter_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_report")),
    )
    with op.batch_alter_table("message_report", schema=None) as batch_op:
        batch_op.create_index("ix_message_report_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("message_report", schema=None) as batch_op:
        batch_op.drop_index("ix_message_report_created")

    op.drop_table("message_report")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_conversation")

    op.drop_table("message")
    with op.batch_alter_table("creator_tagging", schema=None) as batch_op:
        batch_op.drop_index("ix_creator_tagging_creator")

    op.drop_table("creator_tagging")
    op.drop_table("creator_tag")
    op.drop_table("creator_segment")
    with op.batch_alter_table("creator_note", schema=None) as batch_op:
        batch_op.drop_index("ix_creator_note_store_creator")

    op.drop_table("creator_note")
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_store_recent")
        batch_op.drop_index("ix_conversation_store_opened")
        batch_op.drop_index("ix_conversation_creator_recent")

    op.drop_table("conversation")
