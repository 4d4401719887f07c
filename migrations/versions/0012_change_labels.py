"""amendment_changes.labels: the labels an amendment gives in each language

Revision ID: 0012_change_labels
Revises: 0011_reset_serial
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_change_labels'
down_revision: str | None = '0011_reset_serial'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('amendment_changes') as batch:
        batch.add_column(sa.Column('labels', sa.JSON(), nullable=True))


def downgrade() -> None:
    # Not a batch on SQLite: rebuilding the table with foreign keys on would drop the rows
    # that refer to it. SQLite 3.35+ drops the column.
    op.execute('ALTER TABLE amendment_changes DROP COLUMN labels')
