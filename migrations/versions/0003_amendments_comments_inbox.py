"""amendments comments inbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import constitution.db  # noqa: F401 - column types used by autogenerate

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('rationale', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('base_rev', sa.Integer(), nullable=False),
    sa.Column('proposer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', constitution.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', constitution.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('adopted_rev', sa.Integer(), nullable=True),
    sa.Column('committee_id', sa.Integer(), nullable=True),
    sa.Column('recommendation', sa.String(length=16), nullable=True),
    sa.Column('recommendation_note', sa.Text(), nullable=True),
    sa.Column('substitute', sa.JSON(), nullable=True),
    sa.Column('problem', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['amends_id'], ['amendments.id'], name=op.f('fk_amendments_amends_id_amendments')),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_amendments_committee_id_committees')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_amendments_document_id_documents')),
    sa.ForeignKeyConstraint(['proposer_id'], ['members.id'], name=op.f('fk_amendments_proposer_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendments')),
    sa.UniqueConstraint('document_id', 'number', name=op.f('uq_amendments_document_id_number'))
    )
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendments_status'), ['status'], unique=False)

    op.create_table('amendment_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('op', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('after', sa.String(length=100), nullable=True),
    sa.Column('parent', sa.String(length=100), nullable=True),
    sa.Column('label', sa.String(length=100), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('text', sa.JSON(), nullable=False),
    sa.Column('base_text', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendments.id'], name=op.f('fk_amendment_changes_amendment_id_amendments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment_changes')),
    sa.UniqueConstraint('amendment_id', 'seq', name=op.f('uq_amendment_changes_amendment_id_seq'))
    )
    with op.batch_alter_table('amendment_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_changes_key'), ['key'], unique=False)

    op.create_table('amendment_conflicts',
    sa.Column('a_id', sa.Integer(), nullable=False),
    sa.Column('b_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['a_id'], ['amendments.id'], name=op.f('fk_amendment_conflicts_a_id_amendments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['b_id'], ['amendments.id'], name=op.f('fk_amendment_conflicts_b_id_amendments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('a_id', 'b_id', name=op.f('pk_amendment_conflicts'))
    )
    op.create_table('amendment_sponsors',
    sa.Column('amendment_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', constitution.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendments.id'], name=op.f('fk_amendment_sponsors_amendment_id_amendments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_amendment_sponsors_member_id_members')),
    sa.PrimaryKeyConstraint('amendment_id', 'member_id', name=op.f('pk_amendment_sponsors'))
    )
    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('provision_key', sa.String(length=100), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('anchor', sa.JSON(), nullable=True),
    sa.Column('created_at', constitution.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('hidden_at', constitution.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendments.id'], name=op.f('fk_comments_amendment_id_amendments')),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_comments_author_id_members')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_comments_document_id_documents')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['members.id'], name=op.f('fk_comments_hidden_by_id_members')),
    sa.ForeignKeyConstraint(['parent_id'], ['comments.id'], name=op.f('fk_comments_parent_id_comments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_amendment', ['amendment_id', 'id'], unique=False)
        batch_op.create_index('ix_comments_provision', ['document_id', 'provision_key', 'id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', constitution.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', constitution.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendments.id'], name=op.f('fk_notifications_amendment_id_amendments')),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_notifications_comment_id_comments')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_notifications_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_member', ['member_id', 'read_at', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_member')

    op.drop_table('notifications')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_provision')
        batch_op.drop_index('ix_comments_amendment')

    op.drop_table('comments')
    op.drop_table('amendment_sponsors')
    op.drop_table('amendment_conflicts')
    with op.batch_alter_table('amendment_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_changes_key'))

    op.drop_table('amendment_changes')
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendments_status'))

    op.drop_table('amendments')
