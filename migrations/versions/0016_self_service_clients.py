"""self-service API clients: the person who registered a client (owner_id), and the secret
before a rotation with the end of its grace period

Clients made before keep no owner (an operator made them) and no previous secret.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 04:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

from directory.db import UTCDateTime


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('oauth_clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('previous_secret_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('previous_secret_until', UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_oauth_clients_owner_id'), ['owner_id'], unique=False)
        batch_op.create_foreign_key('fk_oauth_clients_owner_id_users', 'users', ['owner_id'], ['id'],
                                    ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('oauth_clients', schema=None) as batch_op:
        batch_op.drop_constraint('fk_oauth_clients_owner_id_users', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_oauth_clients_owner_id'))
        batch_op.drop_column('previous_secret_until')
        batch_op.drop_column('previous_secret_hash')
        batch_op.drop_column('owner_id')
