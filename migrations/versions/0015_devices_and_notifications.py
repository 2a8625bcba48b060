"""devices and notifications: where a person's notifications are pushed (devices), what
reaches them (notification_events, one inbox row per person in notifications) and the pushes
still to make (push_deliveries, the outbox)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 04:20:56.466756
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import directory.db

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('devices',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=8), nullable=False),
    sa.Column('token', sa.String(length=2048), nullable=False),
    sa.Column('p256dh', sa.String(length=128), nullable=True),
    sa.Column('auth', sa.String(length=64), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('created_at', directory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', directory.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'id')
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_token'), ['token'], unique=False)
        batch_op.create_index(batch_op.f('ix_devices_updated_at'), ['updated_at'], unique=False)

    op.create_table('notification_events',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('enterprise_id', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.String(length=32), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', directory.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_events_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_events_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('notifications',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', directory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', directory.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['notification_events.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'event_id')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_notifications_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('push_deliveries',
    sa.Column('event_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', directory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('leased_until', directory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', directory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', directory.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['notification_events.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id', 'device_id'], ['devices.user_id', 'devices.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'user_id', 'device_id')
    )
    with op.batch_alter_table('push_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_deliveries_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_deliveries_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_deliveries_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('push_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_deliveries_user_id'))
        batch_op.drop_index(batch_op.f('ix_push_deliveries_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_push_deliveries_created_at'))

    op.drop_table('push_deliveries')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_created')
        batch_op.drop_index(batch_op.f('ix_notifications_event_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('notification_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_events_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_notification_events_created_at'))

    op.drop_table('notification_events')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_updated_at'))
        batch_op.drop_index(batch_op.f('ix_devices_token'))

    op.drop_table('devices')
