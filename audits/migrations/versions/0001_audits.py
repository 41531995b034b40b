"""audit programme, audits, checklist snapshots, nonconformities, corrective actions, evidence

Revision ID: audits_0001
Revises:
Create Date: 2026-11-30

"""
import sqlalchemy as sa
from alembic import op

revision = 'audits_0001'
down_revision = None
branch_labels = ('audits',)
depends_on = '0001_core'


def upgrade():
    op.create_table('audit_programme_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.CheckConstraint('month BETWEEN 1 AND 12', name=op.f('ck_audit_programme_entry_month')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_audit_programme_entry_department_id_department')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_audit_programme_entry_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_programme_entry')),
    sa.UniqueConstraint('site_id', 'year', 'department_id', 'month', name=op.f('uq_audit_programme_entry_site_id'))
    )
    op.create_index('ix_audit_programme_entry_site_year', 'audit_programme_entry', ['site_id', 'year'], unique=False)
    op.create_table('audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('criteria_revisions', sa.JSON(), nullable=False),
    sa.Column('checklist_keys', sa.JSON(), nullable=False),
    sa.Column('lead_auditor_id', sa.Integer(), nullable=False),
    sa.Column('planned_date', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('programme_entry_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('conclusion', sa.Text(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('reported_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_audit_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['lead_auditor_id'], ['user_account.id'], name=op.f('fk_audit_lead_auditor_id_user_account')),
    sa.ForeignKeyConstraint(['programme_entry_id'], ['audit_programme_entry.id'], name=op.f('fk_audit_programme_entry_id_audit_programme_entry')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_audit_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit')),
    sa.UniqueConstraint('reference', name=op.f('uq_audit_reference'))
    )
    op.create_index(op.f('ix_audit_lead_auditor_id'), 'audit', ['lead_auditor_id'], unique=False)
    op.create_index(op.f('ix_audit_planned_date'), 'audit', ['planned_date'], unique=False)
    op.create_index(op.f('ix_audit_programme_entry_id'), 'audit', ['programme_entry_id'], unique=False)
    op.create_index(op.f('ix_audit_site_id'), 'audit', ['site_id'], unique=False)
    op.create_index(op.f('ix_audit_state'), 'audit', ['state'], unique=False)
    op.create_table('audit_auditor',
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['audit.id'], name=op.f('fk_audit_auditor_audit_id_audit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_audit_auditor_user_id_user_account')),
    sa.PrimaryKeyConstraint('audit_id', 'user_id', name=op.f('pk_audit_auditor'))
    )
    op.create_table('audit_checklist',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('plugin', sa.String(length=100), nullable=False),
    sa.Column('area', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['audit.id'], name=op.f('fk_audit_checklist_audit_id_audit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checklist')),
    sa.UniqueConstraint('audit_id', 'key', name=op.f('uq_audit_checklist_audit_id'))
    )
    op.create_index(op.f('ix_audit_checklist_audit_id'), 'audit_checklist', ['audit_id'], unique=False)
    op.create_table('audit_department',
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['audit.id'], name=op.f('fk_audit_department_audit_id_audit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_audit_department_department_id_department')),
    sa.PrimaryKeyConstraint('audit_id', 'department_id', name=op.f('pk_audit_department'))
    )
    op.create_table('audit_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('reference', sa.Text(), nullable=False),
    sa.Column('guidance', sa.Text(), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_audit_item_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['audit_id'], ['audit.id'], name=op.f('fk_audit_item_audit_id_audit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['checklist_id'], ['audit_checklist.id'], name=op.f('fk_audit_item_checklist_id_audit_checklist'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_item'))
    )
    op.create_index(op.f('ix_audit_item_audit_id'), 'audit_item', ['audit_id'], unique=False)
    op.create_index(op.f('ix_audit_item_checklist_id'), 'audit_item', ['checklist_id'], unique=False)
    op.create_table('nonconformity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('source_ref', sa.String(length=300), nullable=True),
    sa.Column('audit_id', sa.Integer(), nullable=True),
    sa.Column('audit_item_id', sa.Integer(), nullable=True),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('containment', sa.Text(), nullable=True),
    sa.Column('root_cause', sa.JSON(), nullable=True),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('contained_at', sa.DateTime(), nullable=True),
    sa.Column('root_cause_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['audit.id'], name=op.f('fk_nonconformity_audit_id_audit')),
    sa.ForeignKeyConstraint(['audit_item_id'], ['audit_item.id'], name=op.f('fk_nonconformity_audit_item_id_audit_item')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_nonconformity_department_id_department')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_nonconformity_owner_id_user_account')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['user_account.id'], name=op.f('fk_nonconformity_raised_by_id_user_account')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_nonconformity_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nonconformity')),
    sa.UniqueConstraint('reference', name=op.f('uq_nonconformity_reference')),
    sa.UniqueConstraint('year', 'sequence', name=op.f('uq_nonconformity_year'))
    )
    op.create_index(op.f('ix_nonconformity_audit_id'), 'nonconformity', ['audit_id'], unique=False)
    op.create_index(op.f('ix_nonconformity_department_id'), 'nonconformity', ['department_id'], unique=False)
    op.create_index(op.f('ix_nonconformity_due_date'), 'nonconformity', ['due_date'], unique=False)
    op.create_index(op.f('ix_nonconformity_owner_id'), 'nonconformity', ['owner_id'], unique=False)
    op.create_index(op.f('ix_nonconformity_site_id'), 'nonconformity', ['site_id'], unique=False)
    op.create_index(op.f('ix_nonconformity_source'), 'nonconformity', ['source'], unique=False)
    op.create_index(op.f('ix_nonconformity_state'), 'nonconformity', ['state'], unique=False)
    op.create_index('uq_nonconformity_audit_item', 'nonconformity', ['audit_item_id'], unique=True, sqlite_where=sa.text('audit_item_id IS NOT NULL'), postgresql_where=sa.text('audit_item_id IS NOT NULL'))
    op.create_table('corrective_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonconformity_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('completion_note', sa.Text(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['completed_by_id'], ['user_account.id'], name=op.f('fk_corrective_action_completed_by_id_user_account')),
    sa.ForeignKeyConstraint(['nonconformity_id'], ['nonconformity.id'], name=op.f('fk_corrective_action_nonconformity_id_nonconformity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_corrective_action_owner_id_user_account')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user_account.id'], name=op.f('fk_corrective_action_verified_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corrective_action')),
    sa.UniqueConstraint('nonconformity_id', 'number', name=op.f('uq_corrective_action_nonconformity_id'))
    )
    op.create_index(op.f('ix_corrective_action_due_date'), 'corrective_action', ['due_date'], unique=False)
    op.create_index(op.f('ix_corrective_action_nonconformity_id'), 'corrective_action', ['nonconformity_id'], unique=False)
    op.create_index(op.f('ix_corrective_action_owner_id'), 'corrective_action', ['owner_id'], unique=False)
    op.create_index(op.f('ix_corrective_action_state'), 'corrective_action', ['state'], unique=False)
    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=True),
    sa.Column('audit_item_id', sa.Integer(), nullable=True),
    sa.Column('nonconformity_id', sa.Integer(), nullable=True),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(CASE WHEN audit_item_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN nonconformity_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN action_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_evidence_one_owner')),
    sa.ForeignKeyConstraint(['action_id'], ['corrective_action.id'], name=op.f('fk_evidence_action_id_corrective_action')),
    sa.ForeignKeyConstraint(['audit_id'], ['audit.id'], name=op.f('fk_evidence_audit_id_audit')),
    sa.ForeignKeyConstraint(['audit_item_id'], ['audit_item.id'], name=op.f('fk_evidence_audit_item_id_audit_item')),
    sa.ForeignKeyConstraint(['nonconformity_id'], ['nonconformity.id'], name=op.f('fk_evidence_nonconformity_id_nonconformity')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_evidence_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence'))
    )
    op.create_index(op.f('ix_evidence_action_id'), 'evidence', ['action_id'], unique=False)
    op.create_index(op.f('ix_evidence_audit_id'), 'evidence', ['audit_id'], unique=False)
    op.create_index(op.f('ix_evidence_audit_item_id'), 'evidence', ['audit_item_id'], unique=False)
    op.create_index(op.f('ix_evidence_nonconformity_id'), 'evidence', ['nonconformity_id'], unique=False)
    op.create_index(op.f('ix_evidence_sha256'), 'evidence', ['sha256'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_evidence_sha256'), table_name='evidence')
    op.drop_index(op.f('ix_evidence_nonconformity_id'), table_name='evidence')
    op.drop_index(op.f('ix_evidence_audit_item_id'), table_name='evidence')
    op.drop_index(op.f('ix_evidence_audit_id'), table_name='evidence')
    op.drop_index(op.f('ix_evidence_action_id'), table_name='evidence')
    op.drop_table('evidence')
    op.drop_index(op.f('ix_corrective_action_state'), table_name='corrective_action')
    op.drop_index(op.f('ix_corrective_action_owner_id'), table_name='corrective_action')
    op.drop_index(op.f('ix_corrective_action_nonconformity_id'), table_name='corrective_action')
    op.drop_index(op.f('ix_corrective_action_due_date'), table_name='corrective_action')
    op.drop_table('corrective_action')
    op.drop_index('uq_nonconformity_audit_item', table_name='nonconformity', sqlite_where=sa.text('audit_item_id IS NOT NULL'), postgresql_where=sa.text('audit_item_id IS NOT NULL'))
    op.drop_index(op.f('ix_nonconformity_state'), table_name='nonconformity')
    op.drop_index(op.f('ix_nonconformity_source'), table_name='nonconformity')
    op.drop_index(op.f('ix_nonconformity_site_id'), table_name='nonconformity')
    op.drop_index(op.f('ix_nonconformity_owner_id'), table_name='nonconformity')
    op.drop_index(op.f('ix_nonconformity_due_date'), table_name='nonconformity')
    op.drop_index(op.f('ix_nonconformity_department_id'), table_name='nonconformity')
    op.drop_index(op.f('ix_nonconformity_audit_id'), table_name='nonconformity')
    op.drop_table('nonconformity')
    op.drop_index(op.f('ix_audit_item_checklist_id'), table_name='audit_item')
    op.drop_index(op.f('ix_audit_item_audit_id'), table_name='audit_item')
    op.drop_table('audit_item')
    op.drop_table('audit_department')
    op.drop_index(op.f('ix_audit_checklist_audit_id'), table_name='audit_checklist')
    op.drop_table('audit_checklist')
    op.drop_table('audit_auditor')
    op.drop_index(op.f('ix_audit_state'), table_name='audit')
    op.drop_index(op.f('ix_audit_site_id'), table_name='audit')
    op.drop_index(op.f('ix_audit_programme_entry_id'), table_name='audit')
    op.drop_index(op.f('ix_audit_planned_date'), table_name='audit')
    op.drop_index(op.f('ix_audit_lead_auditor_id'), table_name='audit')
    op.drop_table('audit')
    op.drop_index('ix_audit_programme_entry_site_year', table_name='audit_programme_entry')
    op.drop_table('audit_programme_entry')
