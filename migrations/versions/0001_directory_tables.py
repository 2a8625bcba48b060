"""directory tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

JSON_T = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table('industries',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name_zh_hans', sa.String(length=100), nullable=False),
    sa.Column('name_zh_hant', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('parent_id', sa.String(length=64), nullable=True),
    sa.Column('gbt4754_section', sa.String(length=1), nullable=True),
    sa.Column('display_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['industries.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('industries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_industries_parent_id'), ['parent_id'], unique=False)

    op.create_table('enterprises',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name_zh_hans', sa.String(length=200), nullable=True),
    sa.Column('name_zh_hant', sa.String(length=200), nullable=True),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('aliases', JSON_T, nullable=False),
    sa.Column('industry_id', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('website', sa.String(length=2048), nullable=True),
    sa.Column('domains', JSON_T, nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', JSON_T, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'hidden', 'suspended')", name='ck_enterprises_status'),
    sa.CheckConstraint('name_zh_hans IS NOT NULL OR name_zh_hant IS NOT NULL OR name_en IS NOT NULL', name='ck_enterprises_has_name'),
    sa.ForeignKeyConstraint(['industry_id'], ['industries.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprises_industry_id'), ['industry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprises_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprises_verified'), ['verified'], unique=False)

    op.create_table('channels',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('enterprise_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=2048), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=True),
    sa.Column('purpose', sa.String(length=200), nullable=True),
    sa.Column('regions', JSON_T, nullable=False),
    sa.Column('languages', JSON_T, nullable=False),
    sa.Column('hours', JSON_T, nullable=True),
    sa.Column('direction', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.CheckConstraint("direction IN ('contact', 'outbound_only')", name='ck_channels_direction'),
    sa.CheckConstraint("kind IN ('phone', 'email', 'webchat', 'video', 'wechat', 'app', 'sms', 'social', 'web_form', 'callback')", name='ck_channels_kind'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channels_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_channels_kind_enterprise', ['kind', 'enterprise_id'], unique=False)

    op.create_table('enterprise_regions',
    sa.Column('enterprise_id', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enterprise_id', 'code')
    )
    with op.batch_alter_table('enterprise_regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_regions_code'), ['code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('enterprise_regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_regions_code'))

    op.drop_table('enterprise_regions')
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_index('ix_channels_kind_enterprise')
        batch_op.drop_index(batch_op.f('ix_channels_enterprise_id'))

    op.drop_table('channels')
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprises_verified'))
        batch_op.drop_index(batch_op.f('ix_enterprises_status'))
        batch_op.drop_index(batch_op.f('ix_enterprises_industry_id'))

    op.drop_table('enterprises')
    with op.batch_alter_table('industries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_industries_parent_id'))

    op.drop_table('industries')
