"""several digest times a day: chats.digest_time becomes chats.digest_times

A chat may have up to four digest times, stored sorted as ``HH:MM`` joined by commas
("08:00,18:30"); a single time is the one-element list, so every chat's time is copied as it
is. The column is added, filled and the old one dropped, never by recreating ``chats``: on
SQLite a batch rebuild drops the table, and with foreign keys on that would cascade to the
chats' topics and subscriptions. On SQLite the new column keeps a server default (SQLite cannot
drop one without that rebuild); every insert sets the value anyway.

Downgrade keeps each chat's first time only.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _replace_column("digest_time", "digest_times", 23, "digest_time")


def downgrade() -> None:
    _replace_column("digest_times", "digest_time", 5, "substr(digest_times, 1, 5)")


def _replace_column(old: str, new: str, length: int, value: str) -> None:
    """Add ``new``, fill it with ``value`` (SQL over the old column), drop ``old``."""
    op.add_column(
        "chats",
        sa.Column(new, sa.String(length=length), nullable=False, server_default="08:00"),
    )
    op.execute(f"UPDATE chats SET {new} = {value}")
    op.drop_column("chats", old)
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("chats", new, server_default=None)
