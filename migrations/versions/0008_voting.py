"""sittings, polls, ballots, proxies; the chamber group

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import constitution.db  # noqa: F401 - column types used by autogenerate

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sittings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('starts_at', constitution.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('quorum_permille', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', constitution.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', constitution.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', constitution.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['members.id'], name=op.f('fk_sittings_created_by_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sittings'))
    )
    op.create_table('attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('arrived_at', constitution.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('left_at', constitution.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_attendances_member_id_members')),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_attendances_sitting_id_sittings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendances')),
    sa.UniqueConstraint('sitting_id', 'member_id', name=op.f('uq_attendances_sitting_id_member_id'))
    )
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendances_sitting_id'), ['sitting_id'], unique=False)

    op.create_table('polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('motion', sa.JSON(), nullable=True),
    sa.Column('majority', sa.String(length=16), nullable=False),
    sa.Column('base', sa.String(length=16), nullable=False),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', constitution.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', constitution.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', constitution.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('members_count', sa.Integer(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('record', sa.JSON(), nullable=True),
    sa.Column('record_hash', sa.String(length=64), nullable=True),
    sa.Column('signature', sa.String(length=200), nullable=True),
    sa.Column('adoption_problem', sa.Text(), nullable=True),
    sa.Column('fell_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendments.id'], name=op.f('fk_polls_amendment_id_amendments')),
    sa.ForeignKeyConstraint(['fell_by_id'], ['amendments.id'], name=op.f('fk_polls_fell_by_id_amendments')),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_polls_sitting_id_sittings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polls'))
    )
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_polls_amendment_id'), ['amendment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_polls_sitting_id'), ['sitting_id'], unique=False)

    op.create_table('proxies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', constitution.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', constitution.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['members.id'], name=op.f('fk_proxies_decided_by_id_members')),
    sa.ForeignKeyConstraint(['giver_id'], ['members.id'], name=op.f('fk_proxies_giver_id_members')),
    sa.ForeignKeyConstraint(['holder_id'], ['members.id'], name=op.f('fk_proxies_holder_id_members')),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_proxies_sitting_id_sittings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proxies'))
    )
    with op.batch_alter_table('proxies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxies_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proxies_sitting_id'), ['sitting_id'], unique=False)
        batch_op.create_index('uq_proxies_active_giver', ['sitting_id', 'giver_id'], unique=True, sqlite_where=sa.text("status IN ('requested', 'approved')"), postgresql_where=sa.text("status IN ('requested', 'approved')"))

    op.create_table('ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('cast_by_id', sa.Integer(), nullable=False),
    sa.Column('proxy_id', sa.Integer(), nullable=True),
    sa.Column('choice', sa.String(length=8), nullable=False),
    sa.Column('cast_at', constitution.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('receipt', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['cast_by_id'], ['members.id'], name=op.f('fk_ballots_cast_by_id_members')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_ballots_member_id_members')),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_ballots_poll_id_polls')),
    sa.ForeignKeyConstraint(['proxy_id'], ['proxies.id'], name=op.f('fk_ballots_proxy_id_proxies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballots')),
    sa.UniqueConstraint('poll_id', 'member_id', name=op.f('uq_ballots_poll_id_member_id'))
    )
    op.create_table('electors',
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('proxy_id', sa.Integer(), nullable=True),
    sa.Column('proxy_holder_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_electors_member_id_members')),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_electors_poll_id_polls')),
    sa.ForeignKeyConstraint(['proxy_holder_id'], ['members.id'], name=op.f('fk_electors_proxy_holder_id_members')),
    sa.ForeignKeyConstraint(['proxy_id'], ['proxies.id'], name=op.f('fk_electors_proxy_id_proxies')),
    sa.PrimaryKeyConstraint('poll_id', 'member_id', name=op.f('pk_electors'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chamber', sa.String(length=100), nullable=True))

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chamber', sa.String(length=100), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('chamber')

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('chamber')

    op.drop_table('electors')
    op.drop_table('ballots')
    with op.batch_alter_table('proxies', schema=None) as batch_op:
        batch_op.drop_index('uq_proxies_active_giver', sqlite_where=sa.text("status IN ('requested', 'approved')"), postgresql_where=sa.text("status IN ('requested', 'approved')"))
        batch_op.drop_index(batch_op.f('ix_proxies_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_proxies_holder_id'))

    op.drop_table('proxies')
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_polls_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_polls_amendment_id'))

    op.drop_table('polls')
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendances_sitting_id'))

    op.drop_table('attendances')
    op.drop_table('sittings')
