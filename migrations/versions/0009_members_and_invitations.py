"""members: who brought a member in, and invitations to join a listing

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import directory.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_by', sa.String(length=32), nullable=True))

    op.create_table('member_invitations',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('enterprise_id', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('invited_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', directory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', directory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', directory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_by', sa.String(length=32), nullable=True),
    sa.CheckConstraint("role IN ('owner', 'editor')", name='ck_member_invitations_role'),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'revoked')", name='ck_member_invitations_status'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('member_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_invitations_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_invitations_enterprise_id'), ['enterprise_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('member_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_invitations_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_member_invitations_created_at'))

    op.drop_table('member_invitations')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_column('invited_by')
