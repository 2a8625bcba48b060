"""read model: each listing's public answer per language, kept ready (listing_reads), and the
listing's read_generation, kept by triggers on every table the answer is made of
(directory/listing_reads.py)

Revision ID: 0019
Revises: 0018_list_indexes
Create Date: 2026-12-07 07:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

from directory.listing_reads import drop_trigger_statements, trigger_statements


revision = '0019'
down_revision = '0018_list_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # add_column, not a batch: on SQLite a batch recreates the table (and its channels cascade)
    op.add_column('enterprises', sa.Column('read_generation', sa.Integer(), server_default='0',
                                           nullable=False))
    op.create_table(
        'listing_reads',
        sa.Column('enterprise_id', sa.String(length=32), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('enterprise_id', 'language'))
    for statement in trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('listing_reads')
    op.drop_column('enterprises', 'read_generation')
