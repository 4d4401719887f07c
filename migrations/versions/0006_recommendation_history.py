"""recommendation history: every recommendation recorded on an amendment

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import constitution.db  # noqa: F401 - column types used by autogenerate

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('amendment_recommendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('recommendation', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('substitute', sa.JSON(), nullable=True),
    sa.Column('created_at', constitution.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendments.id'], name=op.f('fk_amendment_recommendations_amendment_id_amendments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_amendment_recommendations_committee_id_committees')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_amendment_recommendations_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment_recommendations'))
    )
    with op.batch_alter_table('amendment_recommendations', schema=None) as batch_op:
        batch_op.create_index('ix_amendment_recommendations_amendment', ['amendment_id', 'id'], unique=False)
    # The recommendation each amendment already holds starts its history, with who
    # recorded it and when, from its latest audit event.
    op.execute(
        "INSERT INTO amendment_recommendations "
        "(amendment_id, committee_id, member_id, recommendation, note, substitute, created_at) "
        "SELECT a.id, a.committee_id, e.actor_id, a.recommendation, "
        "COALESCE(a.recommendation_note, ''), a.substitute, e.at "
        "FROM amendments a JOIN audit_events e ON e.seq = ("
        "SELECT MAX(x.seq) FROM audit_events x WHERE x.action = 'amendment.recommend' "
        "AND x.object = 'amendment:' || CAST(a.id AS VARCHAR(20))) "
        "WHERE a.recommendation IS NOT NULL AND a.committee_id IS NOT NULL "
        "AND e.actor_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table('amendment_recommendations', schema=None) as batch_op:
        batch_op.drop_index('ix_amendment_recommendations_amendment')

    op.drop_table('amendment_recommendations')
