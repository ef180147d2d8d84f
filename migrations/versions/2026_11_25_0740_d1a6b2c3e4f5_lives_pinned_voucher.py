"""lives: a pinned public voucher viewers collect

Revision ID: d1a6b2c3e4f5
Revises: c8e4f9a0b154
Create Date: 2026-11-25 07:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1a6b2c3e4f5'
down_revision = 'c8e4f9a0b154'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('content', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pinned_voucher_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_content_pinned_voucher_id_voucher'),
            'voucher',
            ['pinned_voucher_id'],
            ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('content', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_content_pinned_voucher_id_voucher'), type_='foreignkey')
        batch_op.drop_column('pinned_voucher_id')
