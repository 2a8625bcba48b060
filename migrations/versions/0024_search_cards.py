"""read model: a kept answer also keeps its search card (what a search item is made of: the
summary, the kinds by region, the phone numbers and the channels that can lead), so search reads
a few hundred bytes per hit instead of the whole record (api/found_cards.py); kept answers are
made again on their next read

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-09 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # kept answers are a cache of the listings: dropped, each is made again on its next read
    op.execute("DELETE FROM listing_reads")
    op.add_column('listing_reads', sa.Column('found', sa.LargeBinary(), nullable=False,
                                             server_default=sa.text("''")))


def downgrade() -> None:
    with op.batch_alter_table('listing_reads') as batch:
        batch.drop_column('found')
