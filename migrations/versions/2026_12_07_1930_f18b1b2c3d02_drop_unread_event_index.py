"""content_event: drop ix_content_event_creator_time, an index every recorded event paid for
and no query read

Revision ID: f18b1b2c3d02
Revises: f18a1b2c3d01

The dashboards read a creator's events from the rollups plus the short tail past the roll-up's
cursor, walked by primary key (``creator_id + 0`` keeps the planner off this index on purpose);
the roll-up reads by id, the feed by visitor. Each event inserted still maintained the index.
"""

from __future__ import annotations

from alembic import op

# revision identifiers, used by Alembic.
revision = "f18b1b2c3d02"
down_revision = "f18a1b2c3d01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("content_event", schema=None) as batch_op:
        batch_op.drop_index("ix_content_event_creator_time")


def downgrade() -> None:
    with op.batch_alter_table("content_event", schema=None) as batch_op:
        batch_op.create_index("ix_content_event_creator_time", ["creator_id", "occurred_at"])
