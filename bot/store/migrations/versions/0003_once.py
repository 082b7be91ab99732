"""Once and never lost: request keys with their first answers, claims with leases on jobs, registry
deliveries and posts.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table("requests", sa.Column("key", sa.String(80), primary_key=True), sa.Column("answer", sa.Text),
                    sa.Column("created", WHEN, nullable=False))
    op.create_table("claims", sa.Column("key", sa.String(160), primary_key=True), sa.Column("owner", sa.String(80)),
                    sa.Column("lease_until", WHEN),
                    sa.Column("done", sa.Boolean, nullable=False, server_default="0"),
                    sa.Column("result", sa.String(64)))
    for table in ("jobs", "registry_events"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("owner", sa.String(80)))
            batch.add_column(sa.Column("lease_until", WHEN))
            batch.add_column(sa.Column("posted_ts", sa.String(32)))
