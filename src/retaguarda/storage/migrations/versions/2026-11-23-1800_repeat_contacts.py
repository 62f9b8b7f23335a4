"""Repeat contacts: an item may point at the earlier item it repeats.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FK = "fk_items_repeat_of_items"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN ... REFERENCES, which SQLite accepts for a nullable column: a
        # batch rebuild would copy the table and could not drop the old one while
        # the event log refers to it.
        op.add_column(
            "items",
            sa.Column("repeat_of", BigId, sa.ForeignKey("items.id"), nullable=True),
            inline_references=True,
        )
        return
    op.add_column("items", sa.Column("repeat_of", BigId, nullable=True))
    op.create_foreign_key(FK, "items", "items", ["repeat_of"], ["id"])


def downgrade() -> None:
    # On SQLite this rebuilds the table (as 0004's downgrade does for agents): with
    # rows referring to items it needs foreign keys off, which env.py does not do yet.
    with op.batch_alter_table("items") as batch:
        if op.get_bind().dialect.name != "sqlite":
            batch.drop_constraint(FK, type_="foreignkey")
        batch.drop_column("repeat_of")
