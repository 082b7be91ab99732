"""Reader feedback's flood limit in the store, so that every replica counts the same sends: a token
bucket per address (kept as a digest, not the address).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("feedback_limits", sa.Column("address", sa.String(64), primary_key=True),
                    sa.Column("tokens", sa.Float, nullable=False),
                    sa.Column("at", sa.DateTime(timezone=True), nullable=False))
    op.create_index("feedback_limits_at", "feedback_limits", ["at"])


def downgrade() -> None:
    op.drop_table("feedback_limits")
