"""listing order: enterprises keep their prominence and name sort keys, indexed, so the lists
can be browsed by prominence (the default) or by name in keyset pages

The columns are filled for every stored listing (directory/listing_order.py: backfill); from
then on every flush that writes a listing keeps them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 04:50:00.000000
"""
from alembic import op
import sqlalchemy as sa

from directory.listing_order import backfill


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # add_column, not a batch: on SQLite a batch recreates the table (and its channels cascade)
    op.add_column('enterprises', sa.Column('prominence', sa.Integer(), server_default='0', nullable=False))
    # compared byte by byte on PostgreSQL too (COLLATE "C"): the documented order, as SQLite has it
    name_key = sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql')
    op.add_column('enterprises', sa.Column('name_key', name_key, server_default='', nullable=False))
    op.add_column('enterprises', sa.Column('name_key_en', name_key, server_default='', nullable=False))
    op.create_index('ix_enterprises_prominence_id', 'enterprises', ['prominence', 'id'], unique=False)
    op.create_index('ix_enterprises_name_key_id', 'enterprises', ['name_key', 'id'], unique=False)
    op.create_index('ix_enterprises_name_key_en_id', 'enterprises', ['name_key_en', 'id'], unique=False)
    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index('ix_enterprises_name_key_en_id', table_name='enterprises')
    op.drop_index('ix_enterprises_name_key_id', table_name='enterprises')
    op.drop_index('ix_enterprises_prominence_id', table_name='enterprises')
    for name in ('name_key_en', 'name_key', 'prominence'):
        op.drop_column('enterprises', name)
