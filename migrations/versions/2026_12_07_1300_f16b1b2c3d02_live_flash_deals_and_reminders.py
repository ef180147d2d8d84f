"""live flash deals and reminders

Revision ID: f16b1b2c3d02
Revises: f16a1b2c3d01
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "f16b1b2c3d02"
down_revision = "f16a1b2c3d01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
