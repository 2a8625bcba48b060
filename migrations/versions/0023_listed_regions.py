"""listed_regions: the region rows of the listed (active) listings, kept by triggers on
enterprise_regions and on the listings' status, so a plain region list counts its regional
listings from one index without probing each listing (directory/serving.py)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 11:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

from directory.serving import drop_listed_trigger_statements, listed_trigger_statements, rebuild_listed_regions


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'listed_regions',
        sa.Column('code', sa.String(length=8), nullable=False),
        sa.Column('enterprise_id', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('code', 'enterprise_id'))
    op.create_index('ix_listed_regions_enterprise_id', 'listed_regions', ['enterprise_id'])
    rebuild_listed_regions(op.get_bind())
    for statement in listed_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_listed_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index('ix_listed_regions_enterprise_id', table_name='listed_regions')
    op.drop_table('listed_regions')
