"""Slack as it is: channel ids resolved once, Slack time zones cached, the RFC file as last seen on
its branch, permalinks of agenda items, polls posted when ready, FCP bookkeeping as columns.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("fcps") as batch:
        batch.add_column(sa.Column("decided_on", sa.String(10)))
        batch.add_column(sa.Column("announced", sa.Boolean, nullable=False, server_default="0"))
    with op.batch_alter_table("rfc_filings") as batch:
        batch.add_column(sa.Column("text", sa.Text))
    with op.batch_alter_table("agenda_items") as batch:
        batch.add_column(sa.Column("link", sa.String(512)))
    with op.batch_alter_table("sig_polls") as batch:
        batch.add_column(sa.Column("requested", WHEN))
        batch.add_column(sa.Column("channel", sa.String(32)))
        batch.add_column(sa.Column("message_ts", sa.String(32)))
    op.create_table("slack_users", sa.Column("user_id", sa.String(32), primary_key=True),
                    sa.Column("tz", sa.String(64)), sa.Column("fetched", WHEN, nullable=False))
    op.create_table("slack_channels", sa.Column("name", sa.String(80), primary_key=True),
                    sa.Column("channel_id", sa.String(32), nullable=False),
                    sa.Column("resolved", WHEN, nullable=False))
    # the FCP bookkeeping the bot kept inside its JSON moves to its columns
    conn = op.get_bind()
    fcps = sa.table("fcps", sa.column("rfc", sa.Integer), sa.column("data", sa.Text),
                    sa.column("decided_on", sa.String), sa.column("announced", sa.Boolean))
    for rfc, raw in conn.execute(sa.select(fcps.c.rfc, fcps.c.data)).all():
        data = json.loads(raw)
        extra = {"decided_on": data.pop("decided_on", None), "announced": bool(data.pop("announced", False))}
        conn.execute(sa.update(fcps).where(fcps.c.rfc == rfc).values(data=json.dumps(data), **extra))
    op.execute("DROP TABLE IF EXISTS schema_version")  # the hand-written migrations' bookkeeping
