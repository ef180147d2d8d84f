"""content: videos, lives, events, rollups, commissions

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
    pass


def downgrade():
    pass
