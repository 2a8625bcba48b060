"""source facts: a listing's Wikidata id, logo (with its source) and dissolution date; a
channel's platform (social) and the date its source was read

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 04:40:00.000000
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wikidata', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('logo', JSON, nullable=True))
        batch_op.add_column(sa.Column('dissolved', sa.String(length=10), nullable=True))
        batch_op.create_index(batch_op.f('ix_enterprises_wikidata'), ['wikidata'], unique=False)
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retrieved', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('platform', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_column('platform')
        batch_op.drop_column('retrieved')
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprises_wikidata'))
        batch_op.drop_column('dissolved')
        batch_op.drop_column('logo')
        batch_op.drop_column('wikidata')
