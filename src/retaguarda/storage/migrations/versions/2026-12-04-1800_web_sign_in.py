"""Sign-in for the web pages: a password hash and a language per user, and the
server-side sessions behind the session cookie (revocable, with their CSRF secret).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Utc = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("users", sa.Column("password_hash", sa.String(200), nullable=True))
    op.add_column("users", sa.Column("language", sa.String(16), nullable=True))
    op.create_table(
        "web_sessions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", BigId, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", Utc, nullable=False),
        sa.Column("expires_at", Utc, nullable=False),
        sa.Column("ended_at", Utc, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("web_sessions")
    op.drop_column("users", "language")
    op.drop_column("users", "password_hash")
