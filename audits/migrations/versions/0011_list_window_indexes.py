"""indexes of the NC and audit lists' windows: a site's, a person's, newest first

Revision ID: audits_0011_list_windows
Revises: audits_0010_nc_raised_by
Create Date: 2026-12-06

"""
from alembic import op

revision = 'audits_0011_list_windows'
down_revision = 'audits_0010_nc_raised_by'
branch_labels = None
depends_on = None


def upgrade():
    # The lists read the first rows of each branch of the reader's rule in list order (issue #20):
    # a site's quality officer's page then reads a page of their site's rows, not the group's
    # rows until a page of theirs came by (one in 50 at the large demo).
    op.create_index('ix_nonconformity_site_raised_at', 'nonconformity', ['site_id', 'raised_at', 'id'])
    op.create_index('ix_nonconformity_raised_by_raised_at', 'nonconformity', ['raised_by_id', 'raised_at', 'id'])
    op.create_index('ix_nonconformity_owner_raised_at', 'nonconformity', ['owner_id', 'raised_at', 'id'])
    op.create_index('ix_audit_site_planned', 'audit', ['site_id', 'planned_date', 'id'])
    op.create_index('ix_audit_lead_planned', 'audit', ['lead_auditor_id', 'planned_date', 'id'])
    op.create_index('ix_audit_auditor_user_audit', 'audit_auditor', ['user_id', 'audit_id'])


def downgrade():
    op.drop_index('ix_audit_auditor_user_audit', table_name='audit_auditor')
    op.drop_index('ix_audit_lead_planned', table_name='audit')
    op.drop_index('ix_audit_site_planned', table_name='audit')
    op.drop_index('ix_nonconformity_owner_raised_at', table_name='nonconformity')
    op.drop_index('ix_nonconformity_raised_by_raised_at', table_name='nonconformity')
    op.drop_index('ix_nonconformity_site_raised_at', table_name='nonconformity')
