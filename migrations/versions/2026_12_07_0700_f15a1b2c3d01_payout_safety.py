"""payout safety: a cool-down after a payout account changes, and creators' tax details

Revision ID: f15a1b2c3d01
Revises: e19b1c2d3e41
Create Date: 2026-12-07 07:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "f15a1b2c3d01"
down_revision = "e19b1c2d3e41"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payout_account") as batch:
        batch.add_column(sa.Column("cooldown_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "tax_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("legal_name", sa.String(length=120), nullable=False),
        sa.Column("tax_id_kind", sa.String(length=8), nullable=False),
        sa.Column("tax_id", sa.String(length=32), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("signature", sa.String(length=120), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "tax_id_kind IN ('ssn', 'ein', 'itin', 'vat', 'other')",
            name=op.f("ck_tax_profile_tax_id_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["user_account.id"],
            name=op.f("fk_tax_profile_creator_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_profile")),
        sa.UniqueConstraint("creator_id", name=op.f("uq_tax_profile_creator_id")),
    )


def downgrade():
    op.drop_table("tax_profile")
    with op.batch_alter_table("payout_account") as batch:
        batch.drop_column("cooldown_until")
