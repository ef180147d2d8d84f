"""payouts: payout accounts, withdrawals, approvals and their events

``payout_account`` one per creator; ``withdrawal`` one per request, its money in the ledger
(fee + net = amount is a CHECK); ``withdrawal_approval`` one per officer and withdrawal (four
eyes: two different officers); ``simulated_transfer`` the built-in simulated provider's own
books, one row per idempotency key.

Revision ID: a6c2d7e8f943
Revises: 9b5c1e4a6d32
Create Date: 2026-11-25 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c2d7e8f943'
down_revision = '9b5c1e4a6d32'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payout_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('display', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_event_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'ready', 'restricted')", name=op.f('ck_payout_account_status_known')),
    sa.ForeignKeyConstraint(['creator_id'], ['user_account.id'], name=op.f('fk_payout_account_creator_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_account')),
    sa.UniqueConstraint('creator_id', name=op.f('uq_payout_account_creator_id')),
    sa.UniqueConstraint('provider', 'external_id', name=op.f('uq_payout_account_provider_external_id'))
    )

    op.create_table('withdrawal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('fee', sa.BigInteger(), nullable=False),
    sa.Column('net', sa.BigInteger(), nullable=False),
    sa.Column('fee_bps', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('request_token', sa.String(length=64), nullable=False),
    sa.Column('needs_two_approvals', sa.Boolean(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=True),
    sa.Column('destination', sa.String(length=80), nullable=True),
    sa.Column('destination_display', sa.String(length=120), nullable=True),
    sa.Column('provider_ref', sa.String(length=80), nullable=True),
    sa.Column('reject_reason', sa.String(length=500), nullable=True),
    sa.Column('failure_reason', sa.String(length=500), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('provider_calls', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('processing_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('funds_returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_withdrawal_amount_positive')),
    sa.CheckConstraint('fee >= 0 AND net > 0', name=op.f('ck_withdrawal_fee_and_net_in_range')),
    sa.CheckConstraint('fee + net = amount', name=op.f('ck_withdrawal_fee_plus_net_is_amount')),
    sa.CheckConstraint('fee_bps BETWEEN 0 AND 10000', name=op.f('ck_withdrawal_fee_bps_in_range')),
    sa.CheckConstraint('currency = upper(currency) AND length(currency) = 3', name=op.f('ck_withdrawal_currency_code')),
    sa.CheckConstraint("status IN ('requested', 'approved', 'processing', 'paid', 'rejected', 'failed')", name=op.f('ck_withdrawal_status_known')),
    sa.CheckConstraint('attempt >= 1', name=op.f('ck_withdrawal_attempt_positive')),
    sa.CheckConstraint("status <> 'paid' OR (paid_at IS NOT NULL AND provider_ref IS NOT NULL)", name=op.f('ck_withdrawal_paid_has_reference')),
    sa.CheckConstraint("status <> 'rejected' OR (reject_reason IS NOT NULL AND funds_returned_at IS NOT NULL)", name=op.f('ck_withdrawal_rejected_has_reason')),
    sa.CheckConstraint("status <> 'failed' OR failure_reason IS NOT NULL", name=op.f('ck_withdrawal_failed_has_reason')),
    sa.CheckConstraint('length(request_token) >= 16', name=op.f('ck_withdrawal_request_token_length')),
    sa.ForeignKeyConstraint(['creator_id'], ['user_account.id'], name=op.f('fk_withdrawal_creator_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_withdrawal_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_withdrawal')),
    sa.UniqueConstraint('request_token', name=op.f('uq_withdrawal_request_token'))
    )
    with op.batch_alter_table('withdrawal', schema=None) as batch_op:
        # The review queue (by status, oldest first), a creator's list, the stuck-payout finder
        # and the totals by day.
        batch_op.create_index('ix_withdrawal_status_requested', ['status', 'requested_at', 'id'], unique=False)
        batch_op.create_index('ix_withdrawal_creator', ['creator_id', 'id'], unique=False)
        batch_op.create_index('ix_withdrawal_status_attempted', ['status', 'last_attempt_at'], unique=False)
        batch_op.create_index('ix_withdrawal_paid_at', ['paid_at'], unique=False)

    op.create_table('withdrawal_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('withdrawal_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['user_account.id'], name=op.f('fk_withdrawal_approval_officer_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['withdrawal_id'], ['withdrawal.id'], name=op.f('fk_withdrawal_approval_withdrawal_id_withdrawal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_withdrawal_approval')),
    # The same officer can never approve one withdrawal twice (four eyes are two people).
    sa.UniqueConstraint('withdrawal_id', 'officer_id', name=op.f('uq_withdrawal_approval_withdrawal_id_officer_id'))
    )

    op.create_table('simulated_transfer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('destination', sa.String(length=80), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_simulated_transfer_amount_positive')),
    sa.CheckConstraint("status IN ('pending', 'paid', 'declined')", name=op.f('ck_simulated_transfer_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_simulated_transfer')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_simulated_transfer_idempotency_key')),
    sa.UniqueConstraint('reference', name=op.f('uq_simulated_transfer_reference'))
    )


def downgrade():
    op.drop_table('simulated_transfer')
    op.drop_table('withdrawal_approval')
    with op.batch_alter_table('withdrawal', schema=None) as batch_op:
        batch_op.drop_index('ix_withdrawal_paid_at')
        batch_op.drop_index('ix_withdrawal_status_attempted')
        batch_op.drop_index('ix_withdrawal_creator')
        batch_op.drop_index('ix_withdrawal_status_requested')

    op.drop_table('withdrawal')
    op.drop_table('payout_account')
