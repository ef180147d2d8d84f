"""reviews and collections

Revision ID: f16a1b2c3d01
Revises: f15a1b2c3d01
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "f16a1b2c3d01"
down_revision = "f15a1b2c3d01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
