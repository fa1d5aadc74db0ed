"""Documents keep the source's ``meta.lastUpdated`` of the version held.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

``updated``: the instant the source last changed the document, as UtcDateTime stores
it. The sync's upsert leaves a row alone when the version it brings is older than the
one held: a sign-in refresh that read a page before a concurrent sync wrote a newer
version no longer writes the old one back. Existing rows have none (NULL): the next
version the source sends replaces them, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

#: As 0001 spells the instant columns (history does not import the models).
UTC_TIME = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("updated", UTC_TIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("updated")
