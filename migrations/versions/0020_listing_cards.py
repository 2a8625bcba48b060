"""read model: each listing's summary per language, kept ready for list pages and lookup
(listing_cards), valid while made from the listing's read_generation (directory/listing_reads.py)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'listing_cards',
        sa.Column('enterprise_id', sa.String(length=32), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('card', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('enterprise_id', 'language'))


def downgrade() -> None:
    op.drop_table('listing_cards')
