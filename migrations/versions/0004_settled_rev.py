"""documents.settled_rev: how far the after-revision re-check has run

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('documents') as batch:
        batch.add_column(sa.Column('settled_rev', sa.Integer(), server_default='0', nullable=False))
    # Until now the re-check ran inside each revision's own transaction: all caught up.
    op.execute('UPDATE documents SET settled_rev = current_rev')


def downgrade() -> None:
    with op.batch_alter_table('documents') as batch:
        batch.drop_column('settled_rev')
