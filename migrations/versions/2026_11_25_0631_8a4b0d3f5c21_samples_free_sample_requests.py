"""samples: free sample requests, per-product caps, sample orders

Revision ID: 8a4b0d3f5c21
Revises: 7f3a9c2e4b10
Create Date: 2026-11-25 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a4b0d3f5c21'
down_revision = '7f3a9c2e4b10'
branch_labels = None
depends_on = None


def upgrade():
    # A complimentary order (a free sample) is paid by nobody: total 0, no payment, no ledger.
    # ADD COLUMN with a constant default: no table rebuild on SQLite, existing orders are false.
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('complimentary', sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    op.create_table('sample_policy',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('max_requests', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('max_requests >= 0', name=op.f('ck_sample_policy_max_requests_not_negative')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_sample_policy_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_sample_policy'))
    )

    op.create_table('sample_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('address_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('requested', 'approved', 'declined', 'cancelled')", name=op.f('ck_sample_request_status_known')),
    sa.CheckConstraint('length(note) BETWEEN 10 AND 1000', name=op.f('ck_sample_request_note_length')),
    sa.CheckConstraint('length(decline_reason) <= 500', name=op.f('ck_sample_request_decline_reason_length')),
    sa.CheckConstraint("(status = 'approved' AND order_id IS NOT NULL) OR (status <> 'approved' AND order_id IS NULL)", name=op.f('ck_sample_request_order_when_approved')),
    sa.ForeignKeyConstraint(['address_id'], ['address.id'], name=op.f('fk_sample_request_address_id_address')),
    sa.ForeignKeyConstraint(['creator_id'], ['user_account.id'], name=op.f('fk_sample_request_creator_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'], name=op.f('fk_sample_request_decided_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_sample_request_order_id_shop_order'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_sample_request_product_id_product'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_sample_request_store_id_store'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['variant_id'], ['variant.id'], name=op.f('fk_sample_request_variant_id_variant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_request'))
    )
    with op.batch_alter_table('sample_request', schema=None) as batch_op:
        batch_op.create_index('ix_sample_request_store_status', ['store_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_sample_request_creator', ['creator_id', 'id'], unique=False)
        batch_op.create_index('ix_sample_request_product_status', ['product_id', 'status'], unique=False)
        # One open request per creator and product, even when the form is sent twice.
        batch_op.create_index('uq_sample_request_one_open', ['creator_id', 'product_id'], unique=True, sqlite_where=sa.text("status = 'requested'"), postgresql_where=sa.text("status = 'requested'"))


def downgrade():
    with op.batch_alter_table('sample_request', schema=None) as batch_op:
        batch_op.drop_index('uq_sample_request_one_open', sqlite_where=sa.text("status = 'requested'"), postgresql_where=sa.text("status = 'requested'"))
        batch_op.drop_index('ix_sample_request_product_status')
        batch_op.drop_index('ix_sample_request_creator')
        batch_op.drop_index('ix_sample_request_store_status')

    op.drop_table('sample_request')
    op.drop_table('sample_policy')
    # Native DROP COLUMN (SQLite 3.35+): a batch rebuild would drop and re-create shop_order,
    # which the rows of other tables reference.
    op.drop_column('shop_order', 'complimentary')
