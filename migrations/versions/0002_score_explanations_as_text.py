"""score explanations as text

The explanation arrays of health_scores.details and churn_risks.factors are written a million
at a time and never queried in SQL: plain text spares PostgreSQL parsing them into JSONB.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("health_scores", "details"), ("churn_risks", "factors"))


def _json_type() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                type_=sa.Text(),
                existing_type=_json_type(),
                existing_nullable=False,
                postgresql_using=f"{column}::text",
            )


def downgrade() -> None:
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                type_=_json_type(),
                existing_type=sa.Text(),
                existing_nullable=False,
                postgresql_using=f"{column}::jsonb",
            )
