"""provision_versions.labels: a provision's label in each language (API.md: labels)

Revision ID: 0009_labels
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_labels'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('provision_versions') as batch:
        batch.add_column(sa.Column('labels', sa.JSON(), server_default='{}', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('provision_versions') as batch:
        batch.drop_column('labels')
