"""notifications: in-app notices per user

Revision ID: 7f3a9c2e4b10
Revises: d1c4c42ee815
Create Date: 2026-11-25 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7f3a9c2e4b10'
down_revision = 'd1c4c42ee815'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
