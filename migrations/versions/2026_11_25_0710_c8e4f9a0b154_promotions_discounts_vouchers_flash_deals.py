"""promotions: product discounts, vouchers, flash deals; discounts on order lines

``product_discount`` (+ ``product_discount_target``, a product or one variant), ``voucher``
(+ ``voucher_product``, ``voucher_collection``, ``voucher_redemption``: one per order, released
if the order is never paid) and ``flash_deal`` (+ ``flash_deal_purchase``). Each order line now
says how its discount splits: ``discount = product_discount + voucher_discount`` (a CHECK),
with the promotion ids; an order keeps the voucher it used and its code.

Existing lines' discounts were all product-level (free samples), so ``product_discount`` takes
them before the CHECK is added.

On SQLite a CHECK or a foreign key is only added by rebuilding the table (``batch``: copy,
drop, rename). ``shop_order`` and ``order_line`` are referenced by other tables, some with
``ON DELETE CASCADE`` (``order_event``) or ``RESTRICT`` (``commission``): dropping the old
table with foreign keys enforced would delete those rows or fail. So the rebuild runs with
``PRAGMA foreign_keys`` off, which SQLite only honours outside a transaction: the migration
commits what ran before it, switches enforcement off, rebuilds in a transaction of its own,
checks every reference with ``PRAGMA foreign_key_check`` and switches enforcement back on
(SQLite's documented procedure for schema changes, "Making Other Kinds Of Table Schema
Changes"). PostgreSQL adds the columns and constraints in place.

Revision ID: c8e4f9a0b154
Revises: a6c2d7e8f943
Create Date: 2026-11-25 07:10:00

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8e4f9a0b154'
down_revision = 'a6c2d7e8f943'
branch_labels = None
depends_on = None


@contextmanager
def _references_unenforced_on_sqlite():
    """Run a block with SQLite's foreign keys off (see the module's docstring); elsewhere as is."""
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        yield
        return
    raw = bind.connection.driver_connection
    enforced = raw.execute('PRAGMA foreign_keys').fetchone()[0]
    raw.commit()
    raw.execute('PRAGMA foreign_keys = OFF')
    raw.execute('BEGIN IMMEDIATE')
    try:
        yield
        broken = raw.execute('PRAGMA foreign_key_check').fetchall()
        if broken:
            raise RuntimeError(f'the rebuild left broken references: {broken[:10]}')
        raw.commit()
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.execute(f'PRAGMA foreign_keys = {"ON" if enforced else "OFF"}')
        raw.execute('BEGIN IMMEDIATE')


def upgrade():
    op.create_table('product_discount',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('percent_bps', sa.Integer(), nullable=True),
    sa.Column('amount_off', sa.BigInteger(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('percent', 'fixed')", name=op.f('ck_product_discount_kind_known')),
    sa.CheckConstraint("(kind = 'percent' AND percent_bps BETWEEN 1 AND 10000 AND amount_off IS NULL) OR (kind = 'fixed' AND amount_off > 0 AND percent_bps IS NULL)", name=op.f('ck_product_discount_value_matches_kind')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_product_discount_ends_after_start')),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_product_discount_store_id_store'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_discount'))
    )
    with op.batch_alter_table('product_discount', schema=None) as batch_op:
        batch_op.create_index('ix_product_discount_store_window', ['store_id', 'ends_at'], unique=False)

    op.create_table('product_discount_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('discount_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['discount_id'], ['product_discount.id'], name=op.f('fk_product_discount_target_discount_id_product_discount'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_product_discount_target_product_id_product'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['variant.id'], name=op.f('fk_product_discount_target_variant_id_variant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_discount_target')),
    sa.UniqueConstraint('discount_id', 'product_id', 'variant_id', name=op.f('uq_product_discount_target_discount_id_product_id_variant_id'))
    )
    with op.batch_alter_table('product_discount_target', schema=None) as batch_op:
        batch_op.create_index('ix_product_discount_target_product', ['product_id', 'discount_id'], unique=False)

    op.create_table('voucher',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('percent_bps', sa.Integer(), nullable=True),
    sa.Column('cap_amount', sa.BigInteger(), nullable=True),
    sa.Column('amount_off', sa.BigInteger(), nullable=True),
    sa.Column('min_spend', sa.BigInteger(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('total_uses', sa.Integer(), nullable=True),
    sa.Column('used_count', sa.Integer(), nullable=False),
    sa.Column('per_buyer_limit', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('percent', 'fixed')", name=op.f('ck_voucher_kind_known')),
    sa.CheckConstraint("(kind = 'percent' AND percent_bps BETWEEN 1 AND 10000 AND amount_off IS NULL) OR (kind = 'fixed' AND amount_off > 0 AND percent_bps IS NULL)", name=op.f('ck_voucher_value_matches_kind')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_voucher_ends_after_start')),
    # Codes are stored trimmed and upper-case: case-insensitive, unique across the platform.
    sa.CheckConstraint('code = upper(code) AND length(code) BETWEEN 3 AND 32', name=op.f('ck_voucher_code_form')),
    sa.CheckConstraint("scope IN ('store', 'products')", name=op.f('ck_voucher_scope_known')),
    sa.CheckConstraint('min_spend >= 0', name=op.f('ck_voucher_min_spend_not_negative')),
    sa.CheckConstraint("cap_amount IS NULL OR (kind = 'percent' AND cap_amount > 0)", name=op.f('ck_voucher_cap')),
    # The last use is taken once: used_count only moves through a guarded UPDATE.
    sa.CheckConstraint('used_count >= 0 AND (total_uses IS NULL OR used_count <= total_uses)', name=op.f('ck_voucher_uses_within_total')),
    sa.CheckConstraint('total_uses IS NULL OR total_uses > 0', name=op.f('ck_voucher_total_uses_positive')),
    sa.CheckConstraint('per_buyer_limit > 0', name=op.f('ck_voucher_per_buyer_limit_positive')),
    sa.ForeignKeyConstraint(['creator_id'], ['user_account.id'], name=op.f('fk_voucher_creator_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_voucher_store_id_store'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher')),
    sa.UniqueConstraint('code', name=op.f('uq_voucher_code'))
    )
    with op.batch_alter_table('voucher', schema=None) as batch_op:
        batch_op.create_index('ix_voucher_store_window', ['store_id', 'ends_at'], unique=False)
        batch_op.create_index('ix_voucher_creator', ['creator_id'], unique=False)

    op.create_table('voucher_product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_voucher_product_product_id_product'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voucher_id'], ['voucher.id'], name=op.f('fk_voucher_product_voucher_id_voucher'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_product')),
    sa.UniqueConstraint('voucher_id', 'product_id', name=op.f('uq_voucher_product_voucher_id_product_id'))
    )
    with op.batch_alter_table('voucher_product', schema=None) as batch_op:
        batch_op.create_index('ix_voucher_product_product', ['product_id'], unique=False)

    op.create_table('voucher_collection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('collected_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['user_account.id'], name=op.f('fk_voucher_collection_buyer_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voucher_id'], ['voucher.id'], name=op.f('fk_voucher_collection_voucher_id_voucher'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_collection')),
    sa.UniqueConstraint('voucher_id', 'buyer_id', name=op.f('uq_voucher_collection_voucher_id_buyer_id'))
    )
    with op.batch_alter_table('voucher_collection', schema=None) as batch_op:
        batch_op.create_index('ix_voucher_collection_buyer', ['buyer_id'], unique=False)

    op.create_table('voucher_redemption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_voucher_redemption_amount_positive')),
    sa.ForeignKeyConstraint(['buyer_id'], ['user_account.id'], name=op.f('fk_voucher_redemption_buyer_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_voucher_redemption_order_id_shop_order'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['voucher_id'], ['voucher.id'], name=op.f('fk_voucher_redemption_voucher_id_voucher'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_redemption')),
    # One voucher per order.
    sa.UniqueConstraint('order_id', name=op.f('uq_voucher_redemption_order_id'))
    )
    with op.batch_alter_table('voucher_redemption', schema=None) as batch_op:
        batch_op.create_index('ix_voucher_redemption_voucher_buyer', ['voucher_id', 'buyer_id'], unique=False)

    op.create_table('flash_deal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('deal_price', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('sold', sa.Integer(), nullable=False),
    sa.Column('per_buyer_limit', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('deal_price > 0', name=op.f('ck_flash_deal_deal_price_positive')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_flash_deal_quantity_positive')),
    # Never oversold: sold only moves through a guarded UPDATE (sold + q <= quantity).
    sa.CheckConstraint('sold >= 0 AND sold <= quantity', name=op.f('ck_flash_deal_never_oversold')),
    sa.CheckConstraint('per_buyer_limit > 0', name=op.f('ck_flash_deal_per_buyer_limit_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_flash_deal_ends_after_start')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_flash_deal_product_id_product'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_flash_deal_store_id_store'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['variant.id'], name=op.f('fk_flash_deal_variant_id_variant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flash_deal'))
    )
    with op.batch_alter_table('flash_deal', schema=None) as batch_op:
        batch_op.create_index('ix_flash_deal_variant_window', ['variant_id', 'ends_at'], unique=False)
        batch_op.create_index('ix_flash_deal_store_window', ['store_id', 'ends_at'], unique=False)

    op.create_table('flash_deal_purchase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_flash_deal_purchase_quantity_positive')),
    sa.ForeignKeyConstraint(['buyer_id'], ['user_account.id'], name=op.f('fk_flash_deal_purchase_buyer_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['deal_id'], ['flash_deal.id'], name=op.f('fk_flash_deal_purchase_deal_id_flash_deal'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_flash_deal_purchase_order_id_shop_order'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flash_deal_purchase')),
    sa.UniqueConstraint('deal_id', 'order_id', name=op.f('uq_flash_deal_purchase_deal_id_order_id'))
    )
    with op.batch_alter_table('flash_deal_purchase', schema=None) as batch_op:
        batch_op.create_index('ix_flash_deal_purchase_deal_buyer', ['deal_id', 'buyer_id'], unique=False)

    # The new columns first (ADD COLUMN in place on both databases), then the backfill, then
    # the constraints that need a rebuild on SQLite.
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voucher_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('voucher_code', sa.String(length=32), nullable=True))
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('product_discount', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('voucher_discount', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('product_discount_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('flash_deal_id', sa.Integer(), nullable=True))
    op.execute('UPDATE order_line SET product_discount = discount WHERE discount <> 0')

    with _references_unenforced_on_sqlite():
        with op.batch_alter_table('shop_order', schema=None) as batch_op:
            batch_op.create_foreign_key(op.f('fk_shop_order_voucher_id_voucher'), 'voucher', ['voucher_id'], ['id'], ondelete='SET NULL')
        with op.batch_alter_table('order_line', schema=None) as batch_op:
            # The defaults only filled the rows that existed; new lines always say both.
            batch_op.alter_column('product_discount', existing_type=sa.BigInteger(), existing_nullable=False, server_default=None)
            batch_op.alter_column('voucher_discount', existing_type=sa.BigInteger(), existing_nullable=False, server_default=None)
            batch_op.create_foreign_key(op.f('fk_order_line_product_discount_id_product_discount'), 'product_discount', ['product_discount_id'], ['id'], ondelete='SET NULL')
            batch_op.create_foreign_key(op.f('fk_order_line_flash_deal_id_flash_deal'), 'flash_deal', ['flash_deal_id'], ['id'], ondelete='SET NULL')
            batch_op.create_check_constraint(op.f('ck_order_line_discount_adds_up'), 'discount = product_discount + voucher_discount')


def downgrade():
    # A line keeps its whole discount (``amount`` still adds up); only the split is lost.
    with _references_unenforced_on_sqlite():
        with op.batch_alter_table('order_line', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_order_line_discount_adds_up'), type_='check')
            batch_op.drop_constraint(op.f('fk_order_line_flash_deal_id_flash_deal'), type_='foreignkey')
            batch_op.drop_constraint(op.f('fk_order_line_product_discount_id_product_discount'), type_='foreignkey')
            batch_op.drop_column('flash_deal_id')
            batch_op.drop_column('product_discount_id')
            batch_op.drop_column('voucher_discount')
            batch_op.drop_column('product_discount')
        with op.batch_alter_table('shop_order', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('fk_shop_order_voucher_id_voucher'), type_='foreignkey')
            batch_op.drop_column('voucher_code')
            batch_op.drop_column('voucher_id')

    with op.batch_alter_table('flash_deal_purchase', schema=None) as batch_op:
        batch_op.drop_index('ix_flash_deal_purchase_deal_buyer')
    op.drop_table('flash_deal_purchase')
    with op.batch_alter_table('flash_deal', schema=None) as batch_op:
        batch_op.drop_index('ix_flash_deal_store_window')
        batch_op.drop_index('ix_flash_deal_variant_window')
    op.drop_table('flash_deal')
    with op.batch_alter_table('voucher_redemption', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_redemption_voucher_buyer')
    op.drop_table('voucher_redemption')
    with op.batch_alter_table('voucher_collection', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_collection_buyer')
    op.drop_table('voucher_collection')
    with op.batch_alter_table('voucher_product', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_product_product')
    op.drop_table('voucher_product')
    with op.batch_alter_table('voucher', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_creator')
        batch_op.drop_index('ix_voucher_store_window')
    op.drop_table('voucher')
    with op.batch_alter_table('product_discount_target', schema=None) as batch_op:
        batch_op.drop_index('ix_product_discount_target_product')
    op.drop_table('product_discount_target')
    with op.batch_alter_table('product_discount', schema=None) as batch_op:
        batch_op.drop_index('ix_product_discount_store_window')
    op.drop_table('product_discount')
