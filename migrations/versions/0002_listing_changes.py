"""listing change outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('listing_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('enterprise_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('listing_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_changes_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_changes_applied_at'), ['applied_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('listing_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_changes_applied_at'))
        batch_op.drop_index(batch_op.f('ix_listing_changes_enterprise_id'))
    op.drop_table('listing_changes')
