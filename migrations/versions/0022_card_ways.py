"""read model: a kept summary also keeps its listing's ways in (each contact kind with the
regions it serves), so a list narrowed to a region says which kinds serve it without reading
the listings' channels (api/list_cards.py); kept summaries are made again on their next read

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # kept summaries are a cache of the listings: dropped, each is made again on its next read
    op.execute("DELETE FROM listing_cards")
    op.add_column('listing_cards', sa.Column('ways', sa.LargeBinary(), nullable=False,
                                             server_default=sa.text("''")))


def downgrade() -> None:
    with op.batch_alter_table('listing_cards') as batch:
        batch.drop_column('ways')
