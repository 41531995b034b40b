"""re-checks of fixed findings: a closed NC's checklist point, checked again where it was found

Revision ID: audits_0006
Revises: audits_0005
Create Date: 2026-12-05

"""
import sqlalchemy as sa
from alembic import op

revision = 'audits_0006'
down_revision = 'audits_0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'recheck',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('nonconformity_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('checklist_key', sa.String(length=100), nullable=False),
        sa.Column('question_key', sa.String(length=100), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('reference', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('audit_item_id', sa.Integer(), nullable=True),
        sa.Column('inspection_item_id', sa.Integer(), nullable=True),
        sa.Column('checked_at', sa.DateTime(), nullable=True),
        sa.Column('checked_by_id', sa.Integer(), nullable=True),
        sa.Column('row_version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['audit_item_id'], ['audit_item.id'], name=op.f('fk_recheck_audit_item_id_audit_item')),
        sa.ForeignKeyConstraint(['checked_by_id'], ['user_account.id'], name=op.f('fk_recheck_checked_by_id_user_account')),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_recheck_department_id_department')),
        sa.ForeignKeyConstraint(
            ['inspection_item_id'], ['inspection_item.id'], name=op.f('fk_recheck_inspection_item_id_inspection_item')
        ),
        sa.ForeignKeyConstraint(
            ['nonconformity_id'], ['nonconformity.id'], name=op.f('fk_recheck_nonconformity_id_nonconformity')
        ),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_recheck_site_id_site')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recheck')),
    )
    op.create_index(op.f('ix_recheck_audit_item_id'), 'recheck', ['audit_item_id'], unique=False)
    op.create_index(op.f('ix_recheck_inspection_item_id'), 'recheck', ['inspection_item_id'], unique=False)
    op.create_index(op.f('ix_recheck_nonconformity_id'), 'recheck', ['nonconformity_id'], unique=False)
    op.create_index('ix_recheck_site_department_state', 'recheck', ['site_id', 'department_id', 'state'], unique=False)


def downgrade():
    op.drop_index('ix_recheck_site_department_state', table_name='recheck')
    op.drop_index(op.f('ix_recheck_nonconformity_id'), table_name='recheck')
    op.drop_index(op.f('ix_recheck_inspection_item_id'), table_name='recheck')
    op.drop_index(op.f('ix_recheck_audit_item_id'), table_name='recheck')
    op.drop_table('recheck')
