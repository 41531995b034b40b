"""signatures by signer: whether a person has acknowledged a revision is one index probe

The to-read count asks it of every effective revision; by (entity_type, entity_id) alone it read
every signature of the revision (one per person who acknowledged it) to find the reader's.

Revision ID: 0013_signature_signer
Revises: 0012_pending_recompute
Create Date: 2026-12-06
"""
from alembic import op

revision = '0013_signature_signer'
down_revision = '0012_pending_recompute'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.create_index(
            'ix_signature_signer_entity', ['signer_id', 'entity_type', 'entity_id', 'meaning'], unique=False
        )


def downgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_signer_entity')
