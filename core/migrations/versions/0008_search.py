"""search: the index of every record search finds (search_entry), with FTS5 on SQLite and a GIN-indexed tsvector on PostgreSQL

Revision ID: 0008_search
Revises: 0007_form_schedules
Create Date: 2026-12-05

The text in both is already cut into terms (core/search/segment.py: Chinese as character
pairs), so FTS5's unicode61 tokenizer and PostgreSQL's 'simple' configuration need not
know Chinese. The index is derived data: `dealerqms search reindex` (and `init`) fills it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_search'
down_revision = '0007_form_schedules'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=100), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('reference', sa.String(length=100), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entry')),
        sa.UniqueConstraint('kind', 'key', name=op.f('uq_search_entry_kind')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE search_entry ADD COLUMN tsv tsvector NOT NULL DEFAULT ''::tsvector")
        op.execute('CREATE INDEX ix_search_entry_tsv ON search_entry USING gin (tsv)')
    else:
        # rowid = search_entry.id; the columns hold segmented text (space-separated terms).
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(title, reference, body, tokenize='unicode61 remove_diacritics 2')"
        )


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        op.execute('DROP TABLE search_fts')
    op.drop_table('search_entry')
