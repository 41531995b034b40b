"""checklist library: the versions of the checklists quality officers import from XLSX or YAML

Revision ID: 0009_checklist_library
Revises: 0008_search
Create Date: 2026-12-05

"""
import sqlalchemy as sa
from alembic import op

revision = '0009_checklist_library'
down_revision = '0008_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'checklist_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('source_filename', sa.String(length=255), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.Column('retired_by_id', sa.Integer(), nullable=True),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['imported_by_id'], ['user_account.id'],
                                name=op.f('fk_checklist_version_imported_by_id_user_account')),
        sa.ForeignKeyConstraint(['retired_by_id'], ['user_account.id'],
                                name=op.f('fk_checklist_version_retired_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_version')),
        sa.UniqueConstraint('key', 'version', name=op.f('uq_checklist_version_key')),
    )


def downgrade():
    op.drop_table('checklist_version')
