"""The initial schema: cache, sync state, accounts, audit, outbox, staff PIN.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Written by hand and checked against the models (a test runs Alembic's
``compare_metadata`` after upgrading). Types are spelled out here rather than
imported from the models, so that later model changes cannot rewrite history.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Aware UTC times: timestamptz on PostgreSQL, fixed-width ISO text on SQLite.
UTC_TIME = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("emr_id", sa.String(64), nullable=False),
        sa.Column("family", sa.Text(), nullable=False),
        sa.Column("given", sa.Text(), nullable=False),
        sa.Column("patronymic", sa.Text(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("emr_id", name=op.f("pk_patients")),
    )
    op.create_table(
        "documents",
        sa.Column("doc_id", sa.String(128), nullable=False),
        sa.Column("emr_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("organization", sa.Text(), nullable=False),
        sa.Column("performer", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("radiology", sa.Boolean(), nullable=False),
        sa.Column("visible", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("doc_id", name=op.f("pk_documents")),
    )
    op.create_index(
        "ix_documents_list",
        "documents",
        ["emr_id", "kind", "visible", sa.literal_column("created_at DESC"), "doc_id"],
    )
    op.create_table(
        "sync_cursors",
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_sync_cursors")),
    )
    op.create_table(
        "emr_sync",
        sa.Column("emr_id", sa.String(64), nullable=False),
        sa.Column("synced_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("emr_id", name=op.f("pk_emr_sync")),
    )
    op.create_table(
        "sync_rejects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_rejects")),
    )
    op.create_index(op.f("ix_sync_rejects_at"), "sync_rejects", ["at"])
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )
    op.create_table(
        "accounts",
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("login_digest", sa.String(128), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_since", UTC_TIME, nullable=True),
        sa.Column("code_hash", sa.String(128), nullable=True),
        sa.Column("code_nonce", sa.String(128), nullable=True),
        sa.Column("code_sent_at", UTC_TIME, nullable=True),
        sa.Column("attempt_id", sa.String(128), nullable=True),
        sa.Column("attempt_sends", sa.Integer(), nullable=False),
        sa.Column("sends", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_accounts")),
    )
    op.create_index(op.f("ix_accounts_login_digest"), "accounts", ["login_digest"])
    op.create_table(
        "audit",
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(128), nullable=False),
        sa.Column("hash", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id", "seq", name=op.f("pk_audit")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("department", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(16), nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("requester", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_TIME, nullable=True),
        sa.Column("delivered_at", UTC_TIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_due", "outbox", ["delivered_at", "next_attempt_at"])
    op.create_table(
        "staff_pin",
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("kiosk_id", name=op.f("pk_staff_pin")),
    )


def downgrade() -> None:
    op.drop_table("staff_pin")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("audit")
    op.drop_index(op.f("ix_accounts_login_digest"), table_name="accounts")
    op.drop_table("accounts")
    op.drop_table("meta")
    op.drop_index(op.f("ix_sync_rejects_at"), table_name="sync_rejects")
    op.drop_table("sync_rejects")
    op.drop_table("emr_sync")
    op.drop_table("sync_cursors")
    op.drop_index("ix_documents_list", table_name="documents")
    op.drop_table("documents")
    op.drop_table("patients")
