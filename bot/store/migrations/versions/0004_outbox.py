"""The outbox joins the bot's store, with claims (owner and lease): replicas share one outbox, and
the bot and `mlhub outbox retry` never work on one entry at once.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("journal", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created", WHEN, nullable=False),
        sa.Column("updated", WHEN, nullable=False),
        sa.Column("owner", sa.String(128)),
        sa.Column("lease_until", WHEN),
    )
    op.create_index("outbox_by_state", "outbox", ["state", "kind"])


def downgrade() -> None:
    op.drop_index("outbox_by_state", "outbox")
    op.drop_table("outbox")
