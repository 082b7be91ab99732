"""Community requests and reader feedback: votes (one per person and request, by primary key) and
feedback waiting to be posted to the owning SIG's channel.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table("request_votes", sa.Column("request_id", sa.String(64), primary_key=True),
                    sa.Column("person", sa.String(64), primary_key=True),
                    sa.Column("team", sa.String(120), nullable=False),
                    sa.Column("slack_user", sa.String(32), nullable=False),
                    sa.Column("voted", WHEN, nullable=False))
    op.create_table("feedback", sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("page", sa.String(256), nullable=False),
                    sa.Column("helped", sa.Boolean, nullable=False),
                    sa.Column("blocked", sa.Text, nullable=False),
                    sa.Column("channel", sa.String(80), nullable=False),
                    sa.Column("posted", sa.Boolean, nullable=False, server_default="0"),
                    sa.Column("received", WHEN, nullable=False))
    op.create_index("feedback_received", "feedback", ["received"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("request_votes")
