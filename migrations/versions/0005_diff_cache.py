"""diff cache: diffs of two texts, computed once

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import constitution.db

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('diff_cache',
    sa.Column('old_hash', sa.String(length=64), nullable=False),
    sa.Column('new_hash', sa.String(length=64), nullable=False),
    sa.Column('pairs', sa.JSON(), nullable=False),
    sa.Column('simplified', sa.Boolean(), nullable=False),
    sa.Column('created_at', constitution.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('old_hash', 'new_hash', name=op.f('pk_diff_cache'))
    )


def downgrade() -> None:
    op.drop_table('diff_cache')
