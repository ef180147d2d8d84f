"""outbox: jobs written in the transaction that causes them; refunds' provider states

Revision ID: e19a0b1c2d30
Revises: d1a6b2c3e4f5
Create Date: 2026-12-07 04:00:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'e19a0b1c2d30'
down_revision = 'd1a6b2c3e4f5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outbox_message',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('func_path', sa.String(length=200), nullable=False),
        sa.Column('args', sa.JSON(), nullable=False),
        sa.Column('kwargs', sa.JSON(), nullable=False),
        sa.Column('queue', sa.String(length=40), nullable=False),
        sa.Column('job_id', sa.String(length=200), nullable=True),
        sa.Column('retry_max', sa.Integer(), nullable=False),
        sa.Column('retry_intervals', sa.JSON(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('handed_over_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('dead_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=1000), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    )
    op.create_index(
        'ix_outbox_message_due',
        'outbox_message',
        ['due_at'],
        unique=False,
        sqlite_where=sa.text('handed_over_at IS NULL AND dead_at IS NULL'),
        postgresql_where=sa.text('handed_over_at IS NULL AND dead_at IS NULL'),
    )
    with op.batch_alter_table('refund_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_state', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('provider_refund_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column('provider_attempts', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.add_column(sa.Column('provider_error', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('provider_updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('late_payment', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_check_constraint(
            'provider_state_known',
            "provider_state IS NULL OR provider_state IN "
            "('requested', 'sent', 'succeeded', 'failed')",
        )
        batch_op.create_index('ix_refund_request_provider_state', ['provider_state'], unique=False)
        batch_op.create_index(
            'uq_refund_request_provider_refund_id',
            ['provider_refund_id'],
            unique=True,
            sqlite_where=sa.text('provider_refund_id IS NOT NULL'),
            postgresql_where=sa.text('provider_refund_id IS NOT NULL'),
        )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_payment_status_known'), type_='check')
        batch_op.create_check_constraint(
            'status_known', "status IN ('pending', 'succeeded', 'failed', 'cancelled')"
        )
    # Refunds already on the books before this revision were handed to the provider then.
    op.execute(
        "UPDATE refund_request SET provider_state = 'sent' WHERE status = 'refunded'"
    )


def downgrade():
    op.execute("UPDATE payment SET status = 'failed' WHERE status = 'cancelled'")
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_payment_status_known'), type_='check')
        batch_op.create_check_constraint(
            'status_known', "status IN ('pending', 'succeeded', 'failed')"
        )
    with op.batch_alter_table('refund_request', schema=None) as batch_op:
        batch_op.drop_index('uq_refund_request_provider_refund_id')
        batch_op.drop_index('ix_refund_request_provider_state')
        batch_op.drop_constraint(op.f('ck_refund_request_provider_state_known'), type_='check')
        batch_op.drop_column('late_payment')
        batch_op.drop_column('provider_updated_at')
        batch_op.drop_column('provider_error')
        batch_op.drop_column('provider_attempts')
        batch_op.drop_column('idempotency_key')
        batch_op.drop_column('provider_refund_id')
        batch_op.drop_column('provider_state')
    op.drop_index('ix_outbox_message_due', table_name='outbox_message')
    op.drop_table('outbox_message')
