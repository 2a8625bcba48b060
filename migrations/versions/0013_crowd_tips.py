"""crowd: consumers' tips on channels (keys to a person), their votes and reports; who gave a
channel's way to a person; when the enterprise last confirmed a channel's value; consumers'
suggested edits; accounts' reports that a number is out of service

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 04:40:00
"""
from alembic import op
import sqlalchemy as sa

from sqlalchemy.dialects import postgresql

from directory.db import UTCDateTime

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('to_person_source', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('value_confirmed_at', UTCDateTime(timezone=True), nullable=True))

    op.create_table('tips',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('enterprise_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=True),
    sa.Column('keys', sa.String(length=64), nullable=False),
    sa.Column('best_time', sa.String(length=80), nullable=True),
    sa.Column('text', sa.String(length=280), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('worked_weight', sa.Integer(), nullable=False),
    sa.Column('failed_weight', sa.Integer(), nullable=False),
    sa.Column('worked_accounts', sa.Integer(), nullable=False),
    sa.Column('failed_accounts', sa.Integer(), nullable=False),
    sa.Column('confidence', sa.Integer(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('hidden_by', sa.String(length=16), nullable=True),
    sa.Column('hidden_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('restored_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.create_index('ix_tips_rank', ['channel_id', 'hidden', 'confidence', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tips_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tips_user_id'), ['user_id'], unique=False)

    op.create_table('tip_votes',
    sa.Column('tip_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('worked', sa.Boolean(), nullable=False),
    sa.Column('weight', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tip_id', 'user_id')
    )
    with op.batch_alter_table('tip_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tip_votes_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tip_votes_user_id'), ['user_id'], unique=False)

    op.create_table('tip_reports',
    sa.Column('tip_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tip_id', 'user_id')
    )
    with op.batch_alter_table('tip_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tip_reports_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tip_reports_user_id'), ['user_id'], unique=False)

    op.create_table('suggestions',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('enterprise_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('user_id', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('changes', JSON_TYPE, nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suggestions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_suggestions_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_suggestions_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_suggestions_user_id'), ['user_id'], unique=False)

    op.create_table('out_of_service_reports',
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('reported_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('channel_id', 'user_id')
    )
    with op.batch_alter_table('out_of_service_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_out_of_service_reports_user_id'), ['user_id'], unique=False)
    # Signed-in accounts' reports so far that a number is wrong or closed: each account's latest
    # per channel (directory/dead_numbers.py reads only the last 30 days of them).
    op.execute("INSERT INTO out_of_service_reports (channel_id, user_id, reported_at) "
               "SELECT channel_id, reporter_id, MAX(created_at) FROM reports "
               "WHERE topic IN ('wrong_number', 'closed_channel') AND channel_id IN (SELECT id FROM channels) "
               "AND reporter_id IN (SELECT id FROM users) GROUP BY channel_id, reporter_id")


def downgrade() -> None:
    op.drop_table('out_of_service_reports')
    op.drop_table('suggestions')
    op.drop_table('tip_reports')
    op.drop_table('tip_votes')
    op.drop_table('tips')
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_column('value_confirmed_at')
        batch_op.drop_column('to_person_source')
