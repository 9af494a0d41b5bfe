"""outbox text compressed with lz4 on PostgreSQL

Outbox rows are written once and read once; compressing ~3 KB digest texts with the default
pglz on insert was most of a 100k-chat tick's time on PostgreSQL (bench/README.md). lz4 is
much cheaper. Servers built without lz4 keep the default (the statement is skipped).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 07:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_TRY = """
DO $$ BEGIN
    ALTER TABLE outbox ALTER COLUMN text SET COMPRESSION {};
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value OR syntax_error THEN
    RAISE NOTICE 'outbox.text keeps the default compression';
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_TRY.format("lz4"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_TRY.format("pglz"))
