"""fact reviews: what lookup vouches for is checked; enterprises' changes wait for an administrator

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-10
"""
from datetime import UTC, datetime
import secrets
import time

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import directory.db

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    op.create_table('fact_reviews',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('enterprise_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('proposed', json_type, nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', directory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', directory.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', directory.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fact_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fact_reviews_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fact_reviews_status'), ['status'], unique=False)

    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review', sa.String(length=16), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('checked_kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('checked_value', sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column('checked_by', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('checked_at', directory.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checked_website', sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column('checked_domains', json_type, server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('web_review', sa.String(length=16), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('web_checked_by', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('web_checked_at', directory.db.UTCDateTime(timezone=True), nullable=True))

    # (Only columns added: on SQLite, a batch that recreates `enterprises` would cascade-delete
    # its channels.) What was stored so far came from the data sources (checked by them), except the channels
    # enterprises added or changed themselves, which now wait for an administrator. Their
    # websites and domains are taken as they are (the versions tell who changed what).
    connection = op.get_bind()
    connection.execute(sa.text(
        "UPDATE channels SET review = 'checked', checked_kind = kind, checked_value = value, "
        "checked_by = 'source' WHERE source IS NULL OR source NOT LIKE 'self-service:%'"))
    connection.execute(sa.text(
        "UPDATE enterprises SET checked_website = website, checked_domains = domains, "
        "web_review = 'checked', web_checked_by = 'source'"))
    _open_reviews(connection, json_type)

    from directory.lookup_keys import refresh_lookup_keys  # keys from checked facts only

    refresh_lookup_keys(connection, [row[0] for row in connection.execute(sa.text("SELECT id FROM enterprises"))])


def _open_reviews(connection, json_type) -> None:  # noqa: ANN001 - a Connection, a JSON type
    now = datetime.now(UTC)
    reviews = sa.table('fact_reviews', sa.column('id'), sa.column('enterprise_id'), sa.column('channel_id'),
                       sa.column('status'), sa.column('proposed', json_type), sa.column('requested_by'),
                       sa.column('created_at', directory.db.UTCDateTime(timezone=True)),
                       sa.column('updated_at', directory.db.UTCDateTime(timezone=True)))
    rows = connection.execute(sa.text(
        "SELECT id, enterprise_id, kind, value, source FROM channels "
        "WHERE review = 'pending' AND hidden = :no"), {"no": False}).all()
    for index, (ident, enterprise_id, kind, value, source) in enumerate(rows):
        connection.execute(reviews.insert().values(
            id=f"frv_{time.time_ns() // 1_000_000 + index:012x}{secrets.token_hex(4)}",
            enterprise_id=enterprise_id, channel_id=ident, status='pending',
            proposed={"kind": kind, "value": value}, requested_by=(source or "").partition(":")[2] or None,
            created_at=now, updated_at=now))


def downgrade() -> None:
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_column('web_checked_at')
        batch_op.drop_column('web_checked_by')
        batch_op.drop_column('web_review')
        batch_op.drop_column('checked_domains')
        batch_op.drop_column('checked_website')
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_column('checked_at')
        batch_op.drop_column('checked_by')
        batch_op.drop_column('checked_value')
        batch_op.drop_column('checked_kind')
        batch_op.drop_column('review')
    with op.batch_alter_table('fact_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fact_reviews_status'))
        batch_op.drop_index(batch_op.f('ix_fact_reviews_enterprise_id'))
    op.drop_table('fact_reviews')
