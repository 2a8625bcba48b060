"""crowd: weighted experiences counted once a week per account, distinct accounts per channel;
idempotency answers no longer in plain text; report.filed payloads without the reporter's words

Reports already stored keep counting, each with weight 1 (what a new account's report weighs;
their accounts' ages when they reported are not known); the accounts they come from are counted
from them. Stored idempotency answers (plain text, handoff tokens and codes among them) are
dropped: a retry within 24 hours of the upgrade runs again. The reporter's message is taken out
of the report.filed webhook deliveries kept in the log.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 22:20:41.790436
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

ALL_HOURS = 168
# What a report.filed event's data may hold (directory/reports.py: report_event).
REPORT_EVENT_FIELDS = ("id", "channel_id", "topic", "status", "created_at", "url")


def upgrade() -> None:
    op.create_table('experience_voices',
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('hour_of_week', sa.SmallInteger(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('channel_id', 'hour_of_week', 'user_id')
    )
    with op.batch_alter_table('experience_voices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_experience_voices_user_id'), ['user_id'], unique=False)

    op.create_table('voice_counts',
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('hour_of_week', sa.SmallInteger(), nullable=False),
    sa.Column('accounts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('channel_id', 'hour_of_week')
    )
    with op.batch_alter_table('experiences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted_week', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('weight', sa.SmallInteger(), nullable=False,
                                      server_default='1'))
        batch_op.create_unique_constraint('uq_experiences_counted_weekly', ['user_id', 'channel_id', 'counted_week'])
    with op.batch_alter_table('experiences', schema=None) as batch_op:
        batch_op.alter_column('weight', server_default=None)

    with op.batch_alter_table('reach_counts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weight', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('reach_counts', schema=None) as batch_op:
        batch_op.alter_column('weight', server_default=None)

    _count_existing_reports()
    op.execute("DELETE FROM idempotency_keys")
    _drop_reporters_words()


def _count_existing_reports() -> None:
    """Reports stored so far weigh 1 each; their voices are counted from them."""
    op.execute("UPDATE reach_counts SET weight = reports")
    op.execute("INSERT INTO experience_voices (channel_id, hour_of_week, user_id, reports) "
               "SELECT channel_id, hour_of_week, user_id, COUNT(*) FROM experiences "
               "GROUP BY channel_id, hour_of_week, user_id")
    op.execute("INSERT INTO experience_voices (channel_id, hour_of_week, user_id, reports) "
               f"SELECT channel_id, {ALL_HOURS}, user_id, COUNT(*) FROM experiences "
               "GROUP BY channel_id, user_id")
    op.execute("INSERT INTO voice_counts (channel_id, hour_of_week, accounts) "
               "SELECT channel_id, hour_of_week, COUNT(*) FROM experience_voices "
               "GROUP BY channel_id, hour_of_week")


def _drop_reporters_words() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    deliveries = sa.table("webhook_deliveries", sa.column("id", sa.String),
                          sa.column("event", sa.String), sa.column("payload", json_type))
    connection = op.get_bind()
    for ident, payload in connection.execute(
            sa.select(deliveries.c.id, deliveries.c.payload)
            .where(deliveries.c.event == "report.filed")).all():
        data = (payload or {}).get("data") or {}
        kept = {name: data[name] for name in REPORT_EVENT_FIELDS if name in data}
        if kept != data:
            connection.execute(deliveries.update().where(deliveries.c.id == ident)
                               .values(payload={**payload, "data": kept}))


def _count_every_report_once() -> None:
    """The counters as 0006 keeps them: every report, each counting 1."""
    op.execute("DELETE FROM wait_counts")
    op.execute("INSERT INTO wait_counts (channel_id, hour_of_week, minutes, count) "
               "SELECT channel_id, hour_of_week, waited_minutes, COUNT(*) FROM experiences "
               "GROUP BY channel_id, hour_of_week, waited_minutes")
    op.execute("DELETE FROM reach_counts")
    op.execute("INSERT INTO reach_counts (channel_id, hour_of_week, reports, reached_person, "
               "resolved_known, resolved) SELECT channel_id, hour_of_week, COUNT(*), "
               "SUM(CASE WHEN reached_person THEN 1 ELSE 0 END), "
               "SUM(CASE WHEN resolved IS NULL THEN 0 ELSE 1 END), "
               "SUM(CASE WHEN resolved THEN 1 ELSE 0 END) FROM experiences "
               "GROUP BY channel_id, hour_of_week")


def downgrade() -> None:
    with op.batch_alter_table('reach_counts', schema=None) as batch_op:
        batch_op.drop_column('weight')

    with op.batch_alter_table('experiences', schema=None) as batch_op:
        batch_op.drop_constraint('uq_experiences_counted_weekly', type_='unique')
        batch_op.drop_column('weight')
        batch_op.drop_column('counted_week')

    op.drop_table('voice_counts')
    with op.batch_alter_table('experience_voices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_experience_voices_user_id'))

    op.drop_table('experience_voices')
    _count_every_report_once()
