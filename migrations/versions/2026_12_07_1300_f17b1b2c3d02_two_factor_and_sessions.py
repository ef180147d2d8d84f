"""two factor and sessions

Revision ID: f17b1b2c3d02
Revises: f17a1b2c3d01
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "f17b1b2c3d02"
down_revision = "f17a1b2c3d01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
