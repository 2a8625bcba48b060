"""channel menus, person shortcut, topic parameter; whatsapp and facetime kinds

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OLD_KINDS = ("phone", "email", "webchat", "video", "wechat", "app", "sms", "social", "web_form", "callback")
NEW_KINDS = (*OLD_KINDS, "whatsapp", "facetime")


def _in(values: tuple[str, ...]) -> str:
    return f"kind IN ({', '.join(repr(v) for v in values)})"


def _kinds(values: tuple[str, ...]) -> None:
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_constraint('ck_channels_kind', type_='check')
        batch_op.create_check_constraint('ck_channels_kind', _in(values))


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('menu', json_type, nullable=True))
        batch_op.add_column(sa.Column('to_person', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('reaches_person', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('topic_param', sa.String(length=64), nullable=True))
    op.execute("UPDATE channels SET menu = '[]'")
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.alter_column('menu', existing_type=json_type, nullable=False)
    _kinds(NEW_KINDS)


def downgrade() -> None:
    op.execute(f"DELETE FROM channels WHERE kind NOT IN ({', '.join(repr(v) for v in OLD_KINDS)})")
    _kinds(OLD_KINDS)
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_column('topic_param')
        batch_op.drop_column('reaches_person')
        batch_op.drop_column('to_person')
        batch_op.drop_column('menu')
