"""The store as the hand-written migrations left it (their schema_version 4).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table("events", sa.Column("event_id", sa.String(64), primary_key=True),
                    sa.Column("received", WHEN, nullable=False))
    op.create_table("fcps", sa.Column("rfc", sa.Integer, primary_key=True), sa.Column("data", sa.Text, nullable=False),
                    sa.Column("channel", sa.String(32)), sa.Column("message_ts", sa.String(32)),
                    sa.Column("updated", WHEN, nullable=False))
    op.create_table("rfc_filings", sa.Column("number", sa.Integer, primary_key=True),
                    sa.Column("branch", sa.String(128), nullable=False),
                    sa.Column("path", sa.String(256), nullable=False),
                    sa.Column("url", sa.String(512)), sa.Column("filed_by", sa.String(64), nullable=False),
                    sa.Column("outbox_id", sa.String(36)))
    op.create_table("registry_events", sa.Column("delivery_id", sa.String(64), primary_key=True),
                    sa.Column("event", sa.String(64), nullable=False), sa.Column("payload", sa.Text, nullable=False),
                    sa.Column("channel", sa.String(80), nullable=False), sa.Column("text", sa.Text, nullable=False),
                    sa.Column("notified", sa.Boolean, nullable=False), sa.Column("received", WHEN, nullable=False))
    op.create_table("agenda_items", sa.Column("key", sa.String(128), primary_key=True),
                    sa.Column("ceremony", sa.String(32), nullable=False),
                    sa.Column("meeting_date", sa.String(10), nullable=False),
                    sa.Column("source", sa.String(32), nullable=False), sa.Column("text", sa.Text, nullable=False),
                    sa.Column("created", WHEN, nullable=False))
    op.create_table("jobs", sa.Column("key", sa.String(160), primary_key=True),
                    sa.Column("calendar", sa.String(64), nullable=False),
                    sa.Column("occurrence", sa.String(32), nullable=False),
                    sa.Column("action", sa.String(32), nullable=False), sa.Column("due", WHEN, nullable=False),
                    sa.Column("state", sa.String(16), nullable=False), sa.Column("fired", WHEN),
                    sa.Column("late_s", sa.Integer))
    op.create_table("snapshots", sa.Column("key", sa.String(64), primary_key=True),
                    sa.Column("data", sa.Text, nullable=False), sa.Column("updated", WHEN, nullable=False))
    op.create_table("demo_proposals", sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("data", sa.Text, nullable=False), sa.Column("updated", WHEN, nullable=False))
    op.create_table("minutes_notes", sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("meeting_date", sa.String(10), nullable=False),
                    sa.Column("kind", sa.String(16), nullable=False), sa.Column("text", sa.Text, nullable=False),
                    sa.Column("by", sa.String(64), nullable=False), sa.Column("created", WHEN, nullable=False))
    op.create_table("sig_polls", sa.Column("sig", sa.String(64), primary_key=True),
                    sa.Column("data", sa.Text, nullable=False), sa.Column("updated", WHEN, nullable=False))
