"""An index on the open clocks' computation instant: the risk lists look for clocks
recomputed after the instant asked about (none, for "now"), which walked every clock.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_sla_clocks_open_computed_at",
        "sla_clocks",
        ["computed_at"],
        postgresql_where=sa.text("stopped_at IS NULL"),
        sqlite_where=sa.text("stopped_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_sla_clocks_open_computed_at", table_name="sla_clocks")
