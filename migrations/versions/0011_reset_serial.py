"""members.reset_serial: a new reset link voids the ones issued before it

Revision ID: 0011_reset_serial
Revises: 0010_committee_names
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_reset_serial'
down_revision: str | None = '0010_committee_names'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('members') as batch:
        batch.add_column(
            sa.Column('reset_serial', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade() -> None:
    # Not a batch on SQLite: rebuilding the table with foreign keys on would drop the rows
    # that refer to it. SQLite 3.35+ drops the column.
    op.execute('ALTER TABLE members DROP COLUMN reset_serial')
