"""evidence files on improvement items: evidence owned by an improvement

Revision ID: improvements_0002
Revises: improvements_0001
Create Date: 2026-12-05

"""
import sqlalchemy as sa
from alembic import op

revision = 'improvements_0002'
down_revision = 'improvements_0001'
branch_labels = None
depends_on = None

FOUR_OWNERS = (
    '(CASE WHEN audit_item_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN nonconformity_id IS NULL THEN 0 ELSE 1 END)'
    ' + (CASE WHEN action_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN inspection_item_id IS NULL THEN 0 ELSE 1 END)'
)
FIVE_OWNERS = FOUR_OWNERS + ' + (CASE WHEN improvement_id IS NULL THEN 0 ELSE 1 END)'


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('improvement_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f('fk_evidence_improvement_id_improvement'), 'improvement', ['improvement_id'], ['id']
        )
        batch_op.create_index(op.f('ix_evidence_improvement_id'), ['improvement_id'], unique=False)
        batch_op.drop_constraint(op.f('ck_evidence_one_owner'), type_='check')
        batch_op.create_check_constraint(op.f('ck_evidence_one_owner'), sa.text(FIVE_OWNERS + ' = 1'))


def downgrade():
    # The files stay in the file store (addressed by content); only their rows go with the column.
    op.execute('DELETE FROM evidence WHERE improvement_id IS NOT NULL')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_evidence_one_owner'), type_='check')
        batch_op.create_check_constraint(op.f('ck_evidence_one_owner'), sa.text(FOUR_OWNERS + ' = 1'))
        batch_op.drop_index(op.f('ix_evidence_improvement_id'))
        batch_op.drop_constraint(op.f('fk_evidence_improvement_id_improvement'), type_='foreignkey')
        batch_op.drop_column('improvement_id')
