"""sample rules and posting

Revision ID: f14b1b2c3d02
Revises: f14a1b2c3d01
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "f14b1b2c3d02"
down_revision = "f14a1b2c3d01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
