"""order lines: the commission plan and rate fixed at placement; showcase requests

Revision ID: e19b1c2d3e41
Revises: e19a0b1c2d30
Create Date: 2026-12-07 04:10:00

An attributed order line keeps the plan, its kind, the rate and why it won as they stood when
the order was placed (the commission at payment uses them). Lines placed before this revision
have none: their commission falls back to the rule at their placement time.

A product that a creator asks to showcase through an open plan that approves joiners waits
in ``showcase_request`` until the seller answers.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e19b1c2d3e41'
down_revision = 'e19a0b1c2d30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commission_plan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('commission_plan_kind', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('commission_rate_bps', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('commission_basis', sa.String(length=300), nullable=True))
        batch_op.create_check_constraint(
            'commission_rate_within_bounds',
            'commission_rate_bps IS NULL OR commission_rate_bps BETWEEN 0 AND 10000',
        )
        batch_op.create_check_constraint(
            'commission_plan_with_rate',
            '(commission_plan_id IS NULL AND commission_plan_kind IS NULL '
            'AND (commission_rate_bps IS NULL OR commission_rate_bps = 0)) '
            'OR (commission_plan_id IS NOT NULL AND commission_plan_kind IS NOT NULL '
            'AND commission_rate_bps IS NOT NULL AND commission_rate_bps > 0)',
        )

    op.create_table(
        'showcase_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('creator_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['creator_id'],
            ['user_account.id'],
            name=op.f('fk_showcase_request_creator_id_user_account'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['plan_id'], ['plan.id'], name=op.f('fk_showcase_request_plan_id_plan'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['product_id'],
            ['product.id'],
            name=op.f('fk_showcase_request_product_id_product'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_showcase_request')),
        sa.UniqueConstraint(
            'creator_id', 'product_id', name=op.f('uq_showcase_request_creator_id_product_id')
        ),
    )
    with op.batch_alter_table('showcase_request', schema=None) as batch_op:
        batch_op.create_index(
            'ix_showcase_request_plan_creator', ['plan_id', 'creator_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('showcase_request', schema=None) as batch_op:
        batch_op.drop_index('ix_showcase_request_plan_creator')

    op.drop_table('showcase_request')
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_order_line_commission_plan_with_rate'), type_='check')
        batch_op.drop_constraint(
            batch_op.f('ck_order_line_commission_rate_within_bounds'), type_='check'
        )
        batch_op.drop_column('commission_basis')
        batch_op.drop_column('commission_rate_bps')
        batch_op.drop_column('commission_plan_kind')
        batch_op.drop_column('commission_plan_id')
