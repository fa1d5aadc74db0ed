"""Documents carry their content as the source sent it: narrative, lab rows, PDF.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

``narrative``: the safe XHTML subset (kiosk.domain.narrative); ``results``: lab rows as
JSON; ``pdf``: the bytes of a PDF; ``date_only``: the source gave a date without a
time. Existing rows are plain-text documents with a time, which the defaults say.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: no table copy, and the list index
    # (ix_documents_list, with its DESC column) stays exactly as 0001 made it.
    op.add_column("documents", sa.Column("narrative", sa.Text(), nullable=True))
    op.add_column("documents", sa.Column("results", sa.Text(), nullable=True))
    op.add_column("documents", sa.Column("pdf", sa.LargeBinary(), nullable=True))
    op.add_column("documents", sa.Column("date_only", sa.Boolean(), nullable=False,
                                         server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("date_only")
        batch.drop_column("pdf")
        batch.drop_column("results")
        batch.drop_column("narrative")
