"""When a claim on an effect outside the store was first taken: a later owner that takes it over
reads Slack's history from then on, for the post a dead owner may have made.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("claimed", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("claimed")
