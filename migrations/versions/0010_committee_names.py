"""committees.names: a committee's name in each language (issue 10: names in her language)

Revision ID: 0010_committee_names
Revises: 0009_labels
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_committee_names'
down_revision: str | None = '0009_labels'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('committees') as batch:
        batch.add_column(sa.Column('names', sa.JSON(), server_default='{}', nullable=False))


def downgrade() -> None:
    # Not a batch on SQLite: rebuilding the table with foreign keys on would drop the rows
    # that refer to it (its members and provisions cascade). SQLite 3.35+ drops the column.
    op.execute('ALTER TABLE committees DROP COLUMN names')
