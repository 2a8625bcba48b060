"""list indexes: the public lists' orders and filters, each under the listing status they all
filter on, so a page of GET /v1/enterprises reads its rows in order from an index (first page
or deep cursor alike) and its count of up to 10,000 stops early, at a million listings

- (status, prominence, id), (status, name_key, id), (status, name_key_en, id): the three
  orders of the list (sort=prominence, sort=name for Chinese and for English readers); the
  indexes of 0017 without status made the planners filter status by its own index and sort
  every active listing;
- (status, industry_id, prominence, id): a page of one industry (a leaf) in order, and the
  count of an industry or subtree from the index alone;
- (status, verified, prominence, id): the verified ones in order (few, and all near the top of
  the prominence order: a page past them scanned the rest of the list for none);
- (status, id): the count of a filtered list (``total``, up to 10,000) walks the listings in id
  order, so its probes of their channels and regions (keyed by enterprise id) read neighbouring
  index pages (SQLite: a region's count 400 -> 40 ms) and PostgreSQL merges it with the ways in
  of a kind (a channel's count 380 -> 18 ms), both from the index alone;
- channels (kind, direction, hidden, enterprise_id) in place of (kind, enterprise_id): the
  listings with a way in of a kind (directory/listings.py: a rare kind is looked up first,
  from this index alone), and the probe of one listing's ways in of that kind.

Revision ID: 0018_list_indexes
Revises: 0017
Create Date: 2026-12-07 07:10:00.000000
"""
from alembic import op


revision = '0018_list_indexes'
down_revision = '0017'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_enterprises_status_prominence_id': ['status', 'prominence', 'id'],
    'ix_enterprises_status_name_key_id': ['status', 'name_key', 'id'],
    'ix_enterprises_status_name_key_en_id': ['status', 'name_key_en', 'id'],
    'ix_enterprises_status_industry_prominence_id': ['status', 'industry_id', 'prominence', 'id'],
    'ix_enterprises_status_verified_prominence_id': ['status', 'verified', 'prominence', 'id'],
    'ix_enterprises_status_id': ['status', 'id'],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, 'enterprises', columns, unique=False)
    op.create_index('ix_channels_kind_way_in', 'channels', ['kind', 'direction', 'hidden', 'enterprise_id'],
                    unique=False)
    op.drop_index('ix_channels_kind_enterprise', table_name='channels')


def downgrade() -> None:
    op.create_index('ix_channels_kind_enterprise', 'channels', ['kind', 'enterprise_id'], unique=False)
    op.drop_index('ix_channels_kind_way_in', table_name='channels')
    for name in reversed(INDEXES):
        op.drop_index(name, table_name='enterprises')
