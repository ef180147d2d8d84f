"""content: videos, lives, events, rollups, commissions

One ``content`` table for videos and lives; ``content_event`` is append-only with a unique
dedup key; ``content_daily_stat`` is its rollup; ``commission`` one row per attributed line.

Revision ID: 9b5c1e4a6d32
Revises: 8a4b0d3f5c21
Create Date: 2026-11-25 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b5c1e4a6d32'
down_revision = '8a4b0d3f5c21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=5), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('poster_path', sa.String(length=255), nullable=True),
    sa.Column('video_path', sa.String(length=255), nullable=True),
    sa.Column('video_mime', sa.String(length=20), nullable=True),
    sa.Column('video_bytes', sa.BigInteger(), nullable=True),
    sa.Column('external_url', sa.String(length=500), nullable=True),
    sa.Column('stream_url', sa.String(length=500), nullable=True),
    sa.Column('live_state', sa.String(length=10), nullable=True),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pinned_product_id', sa.Integer(), nullable=True),
    sa.Column('pinned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('click_count', sa.Integer(), nullable=False),
    sa.CheckConstraint("(kind = 'live') = (live_state IS NOT NULL)", name=op.f('ck_content_live_has_state')),
    sa.CheckConstraint("kind = 'live' OR video_path IS NOT NULL OR external_url IS NOT NULL", name=op.f('ck_content_video_has_source')),
    sa.CheckConstraint("kind IN ('video', 'live')", name=op.f('ck_content_kind_known')),
    sa.CheckConstraint("live_state IS NULL OR live_state IN ('scheduled', 'live', 'ended')", name=op.f('ck_content_live_state_known')),
    sa.CheckConstraint("status IN ('published', 'removed')", name=op.f('ck_content_status_known')),
    sa.CheckConstraint('view_count >= 0 AND click_count >= 0', name=op.f('ck_content_counts_not_negative')),
    sa.ForeignKeyConstraint(['creator_id'], ['user_account.id'], name=op.f('fk_content_creator_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pinned_product_id'], ['product.id'], name=op.f('fk_content_pinned_product_id_product'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content'))
    )
    op.create_index('ix_content_creator', 'content', ['creator_id', 'kind', 'id'], unique=False)
    op.create_index('ix_content_feed', 'content', ['kind', 'status', 'created_at'], unique=False)
    op.create_index('ix_content_live_state', 'content', ['kind', 'live_state', 'scheduled_at'], unique=False)
    op.create_table('content_product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('content_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['content_id'], ['content.id'], name=op.f('fk_content_product_content_id_content'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_content_product_product_id_product'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_product')),
    sa.UniqueConstraint('content_id', 'product_id', name=op.f('uq_content_product_content_id_product_id'))
    )
    op.create_index('ix_content_product_product', 'content_product', ['product_id', 'content_id'], unique=False)
    op.create_table('content_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('content_id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('visitor', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dedup_key', sa.String(length=40), nullable=True),
    sa.CheckConstraint("kind IN ('view', 'cart_open', 'click', 'add_to_cart', 'order')", name=op.f('ck_content_event_kind_known')),
    sa.ForeignKeyConstraint(['content_id'], ['content.id'], name=op.f('fk_content_event_content_id_content'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_event')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_content_event_dedup_key'))
    )
    op.create_index('ix_content_event_content_time', 'content_event', ['content_id', 'occurred_at'], unique=False)
    op.create_index('ix_content_event_creator_time', 'content_event', ['creator_id', 'occurred_at'], unique=False)
    op.create_index('ix_content_event_visitor', 'content_event', ['visitor', 'kind'], unique=False)
    op.create_table('content_daily_stat',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('content_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('cart_opens', sa.Integer(), nullable=False),
    sa.Column('clicks', sa.Integer(), nullable=False),
    sa.Column('add_to_carts', sa.Integer(), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('gmv', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['content_id'], ['content.id'], name=op.f('fk_content_daily_stat_content_id_content'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('day', 'content_id', 'product_id', name=op.f('pk_content_daily_stat'))
    )
    op.create_index('ix_content_daily_stat_creator', 'content_daily_stat', ['creator_id', 'day'], unique=False)
    op.create_table('rollup_cursor',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_rollup_cursor'))
    )
    op.create_table('commission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('content_id', sa.Integer(), nullable=True),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('plan_kind', sa.String(length=10), nullable=False),
    sa.Column('rate_bps', sa.Integer(), nullable=False),
    sa.Column('base_amount', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('reversed_amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'settled', 'reversed', 'clawed_back')", name=op.f('ck_commission_state_known')),
    sa.CheckConstraint('base_amount > 0 AND amount > 0', name=op.f('ck_commission_amounts_positive')),
    sa.CheckConstraint('rate_bps BETWEEN 100 AND 8000', name=op.f('ck_commission_rate_within_bounds')),
    sa.CheckConstraint('reversed_amount >= 0 AND reversed_amount <= amount', name=op.f('ck_commission_reversal_within_amount')),
    sa.ForeignKeyConstraint(['content_id'], ['content.id'], name=op.f('fk_commission_content_id_content'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['creator_id'], ['user_account.id'], name=op.f('fk_commission_creator_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_commission_order_id_shop_order'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_line.id'], name=op.f('fk_commission_order_line_id_order_line'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_commission_plan_id_plan'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_commission_product_id_product'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_commission_store_id_store'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission')),
    sa.UniqueConstraint('order_line_id', name=op.f('uq_commission_order_line_id'))
    )
    op.create_index('ix_commission_content', 'commission', ['content_id'], unique=False)
    op.create_index('ix_commission_creator_time', 'commission', ['creator_id', 'created_at'], unique=False)
    op.create_index('ix_commission_order', 'commission', ['order_id'], unique=False)
    op.create_index('ix_commission_store_time', 'commission', ['store_id', 'created_at'], unique=False)
    # ### end Alembic commands ###


def downgrade():
    op.drop_table('commission')
    op.drop_table('rollup_cursor')
    op.drop_table('content_daily_stat')
    op.drop_table('content_event')
    op.drop_table('content_product')
    op.drop_table('content')
    # ### end Alembic commands ###
