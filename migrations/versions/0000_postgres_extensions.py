"""PostgreSQL extensions the schema's indexes rely on (nothing on SQLite)

Revision ID: 0000
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0000"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Trigram indexes make name-fragment search an index scan.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


def downgrade() -> None:
    # The extension may be shared with other schemas in the database; leave it installed.
    pass
