"""photos on the points of a recurring check: evidence owned by an inspection item

Revision ID: audits_0005
Revises: audits_0004
Create Date: 2026-12-05

"""
import sqlalchemy as sa
from alembic import op

revision = 'audits_0005'
down_revision = 'audits_0004'
branch_labels = None
depends_on = None

THREE_OWNERS = (
    '(CASE WHEN audit_item_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN nonconformity_id IS NULL THEN 0 ELSE 1 END)'
    ' + (CASE WHEN action_id IS NULL THEN 0 ELSE 1 END)'
)
FOUR_OWNERS = THREE_OWNERS + ' + (CASE WHEN inspection_item_id IS NULL THEN 0 ELSE 1 END)'


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inspection_item_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f('fk_evidence_inspection_item_id_inspection_item'), 'inspection_item', ['inspection_item_id'], ['id']
        )
        batch_op.create_index(op.f('ix_evidence_inspection_item_id'), ['inspection_item_id'], unique=False)
        batch_op.drop_constraint(op.f('ck_evidence_one_owner'), type_='check')
        batch_op.create_check_constraint(op.f('ck_evidence_one_owner'), sa.text(FOUR_OWNERS + ' = 1'))


def downgrade():
    op.execute('DELETE FROM evidence WHERE inspection_item_id IS NOT NULL')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_evidence_one_owner'), type_='check')
        batch_op.create_check_constraint(op.f('ck_evidence_one_owner'), sa.text(THREE_OWNERS + ' = 1'))
        batch_op.drop_index(op.f('ix_evidence_inspection_item_id'))
        batch_op.drop_constraint(op.f('fk_evidence_inspection_item_id_inspection_item'), type_='foreignkey')
        batch_op.drop_column('inspection_item_id')
