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
    pass


def downgrade():
    pass
