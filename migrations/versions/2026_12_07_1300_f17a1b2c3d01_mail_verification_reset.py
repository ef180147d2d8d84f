"""mail, verification and reset: sent mails (one per event and address), mail opt-outs, and
when a user's email address was verified

Revision ID: f17a1b2c3d01
Revises: f15b1b2c3d02
Create Date: 2026-12-07 13:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f17a1b2c3d01"
down_revision = "f15b1b2c3d02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    # Accounts made before verification existed proved nothing, but were trusted: keep them so.
    op.execute("UPDATE user_account SET email_verified_at = created_at")
    op.create_table(
        "sent_mail",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("template", sa.String(length=60), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("unsubscribe_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_sent_mail_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_mail")),
        sa.UniqueConstraint("event_key", "recipient", name=op.f("uq_sent_mail_event_key_recipient")),
    )
    op.create_index("ix_sent_mail_user_id", "sent_mail", ["user_id"], unique=False)
    op.create_table(
        "mail_opt_out",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_mail_opt_out_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_opt_out")),
        sa.UniqueConstraint("user_id", "category", name=op.f("uq_mail_opt_out_user_id_category")),
    )


def downgrade() -> None:
    op.drop_table("mail_opt_out")
    op.drop_index("ix_sent_mail_user_id", table_name="sent_mail")
    op.drop_table("sent_mail")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("email_verified_at")
