"""lookup keys: numbers, addresses and registrable domains that identify an enterprise

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lookup_keys',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('enterprise_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('lookup_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lookup_keys_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lookup_keys_key'), ['key'], unique=False)

    # The keys of the listings already stored are derived by 0008 (from their checked facts,
    # which today's directory.lookup_keys reads and this revision's schema does not have yet).


def downgrade() -> None:
    with op.batch_alter_table('lookup_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lookup_keys_key'))
        batch_op.drop_index(batch_op.f('ix_lookup_keys_enterprise_id'))
    op.drop_table('lookup_keys')
