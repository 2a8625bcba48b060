"""national listings: enterprises.national (true while a listing has no regions), kept by
triggers on enterprise_regions, and the lists' orders under (status, national), so a list
narrowed to a region reads its national listings and its regional ones each from an index
(directory/serving.py); enterprise_regions' code index also holds the listing, so the
listings with a code are read from it alone

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 10:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

from directory.serving import drop_trigger_statements, trigger_statements


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_enterprises_status_national_prominence_id': ['status', 'national', 'prominence', 'id'],
    'ix_enterprises_status_national_name_key_id': ['status', 'national', 'name_key', 'id'],
    'ix_enterprises_status_national_name_key_en_id': ['status', 'national', 'name_key_en', 'id'],
}


def upgrade() -> None:
    # add_column, not a batch: on SQLite a batch recreates the table (and its channels cascade)
    op.add_column('enterprises', sa.Column('national', sa.Boolean(), server_default=sa.true(),
                                           nullable=False))
    op.execute("UPDATE enterprises SET national = false WHERE EXISTS (SELECT 1 FROM "
               "enterprise_regions WHERE enterprise_regions.enterprise_id = enterprises.id)")
    for name, columns in INDEXES.items():
        op.create_index(name, 'enterprises', columns)
    op.create_index('ix_enterprise_regions_code_enterprise_id', 'enterprise_regions',
                    ['code', 'enterprise_id'])
    op.drop_index('ix_enterprise_regions_code', table_name='enterprise_regions')
    for statement in trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)
    for name in INDEXES:
        op.drop_index(name, table_name='enterprises')
    op.create_index('ix_enterprise_regions_code', 'enterprise_regions', ['code'])
    op.drop_index('ix_enterprise_regions_code_enterprise_id', table_name='enterprise_regions')
    op.drop_column('enterprises', 'national')
