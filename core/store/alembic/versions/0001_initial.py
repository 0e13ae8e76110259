"""Initial schema: exactly the tables of core/store/models.py as first designed.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('regions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regions')),
    sa.UniqueConstraint('name', name=op.f('uq_regions_name'))
    )
    op.create_table('scenarios',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scenarios')),
    sa.UniqueConstraint('name', name=op.f('uq_scenarios_name'))
    )
    op.create_table('pdus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_pdus_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pdus')),
    sa.UniqueConstraint('region_id', 'name', name=op.f('uq_pdus_region_id'))
    )
    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('pdu_id', sa.Integer(), nullable=True),
    sa.Column('unit_name', sa.String(length=160), nullable=False),
    sa.Column('framework', sa.String(length=40), nullable=False),
    sa.Column('round', sa.String(length=40), nullable=False),
    sa.Column('fieldwork_start', sa.Date(), nullable=True),
    sa.Column('fieldwork_end', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['pdu_id'], ['pdus.id'], name=op.f('fk_inspections_pdu_id_pdus')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_inspections_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections')),
    sa.UniqueConstraint('region_id', 'level', 'unit_name', 'framework', 'round', name=op.f('uq_inspections_region_id'))
    )
    op.create_index(op.f('ix_inspections_region_id'), 'inspections', ['region_id'], unique=False)
    op.create_table('published_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seed', sa.String(length=20), nullable=False),
    sa.Column('region_name', sa.String(length=120), nullable=False),
    sa.Column('unit_name', sa.String(length=160), nullable=False),
    sa.Column('framework', sa.String(length=40), nullable=False),
    sa.Column('fieldwork', sa.String(length=40), nullable=False),
    sa.Column('standard', sa.String(length=20), nullable=False),
    sa.Column('rating', sa.String(length=30), nullable=False),
    sa.Column('published_score', sa.Integer(), nullable=False),
    sa.Column('published_max', sa.Integer(), nullable=False),
    sa.Column('published_overall', sa.String(length=30), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_published_ratings_inspection_id_inspections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_ratings')),
    sa.UniqueConstraint('unit_name', 'framework', 'fieldwork', 'standard', name=op.f('uq_published_ratings_unit_name'))
    )
    op.create_table('uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.String(length=120), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_uploads_inspection_id_inspections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_uploads')),
    sa.UniqueConstraint('inspection_id', 'kind', 'version', name=op.f('uq_uploads_inspection_id'))
    )
    op.create_index(op.f('ix_uploads_inspection_id'), 'uploads', ['inspection_id'], unique=False)
    op.create_index(op.f('ix_uploads_sha256'), 'uploads', ['sha256'], unique=False)
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('case_type', sa.String(length=40), nullable=False),
    sa.Column('case_ref', sa.String(length=80), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_cases_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_cases_upload_id_uploads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('upload_id', 'case_ref', name=op.f('uq_cases_upload_id'))
    )
    op.create_index(op.f('ix_cases_inspection_id'), 'cases', ['inspection_id'], unique=False)
    op.create_index(op.f('ix_cases_upload_id'), 'cases', ['upload_id'], unique=False)
    op.create_table('evidence_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('standard', sa.String(length=20), nullable=False),
    sa.Column('key_question', sa.String(length=20), nullable=True),
    sa.Column('prompt', sa.String(length=20), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('judgement', sa.String(length=10), nullable=True),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_evidence_items_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_evidence_items_upload_id_uploads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_items'))
    )
    op.create_index(op.f('ix_evidence_items_inspection_id'), 'evidence_items', ['inspection_id'], unique=False)
    op.create_index(op.f('ix_evidence_items_upload_id'), 'evidence_items', ['upload_id'], unique=False)
    op.create_table('judgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Boolean(), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_judgements_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_judgements_upload_id_uploads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_judgements'))
    )
    op.create_index(op.f('ix_judgements_inspection_id'), 'judgements', ['inspection_id'], unique=False)
    op.create_index(op.f('ix_judgements_upload_id'), 'judgements', ['upload_id'], unique=False)
    op.create_table('proposed_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('standard', sa.String(length=20), nullable=False),
    sa.Column('rating', sa.String(length=30), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_proposed_ratings_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_proposed_ratings_upload_id_uploads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposed_ratings'))
    )
    op.create_index(op.f('ix_proposed_ratings_inspection_id'), 'proposed_ratings', ['inspection_id'], unique=False)
    op.create_index(op.f('ix_proposed_ratings_upload_id'), 'proposed_ratings', ['upload_id'], unique=False)
    op.create_table('survey_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('standard', sa.String(length=20), nullable=False),
    sa.Column('prompt', sa.String(length=20), nullable=True),
    sa.Column('survey', sa.String(length=40), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('numerator', sa.Integer(), nullable=False),
    sa.Column('denominator', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_survey_figures_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_survey_figures_upload_id_uploads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_figures'))
    )
    op.create_index(op.f('ix_survey_figures_inspection_id'), 'survey_figures', ['inspection_id'], unique=False)
    op.create_index(op.f('ix_survey_figures_upload_id'), 'survey_figures', ['upload_id'], unique=False)
    op.create_table('answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_answers_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers')),
    sa.UniqueConstraint('case_id', 'code', name=op.f('uq_answers_case_id'))
    )


def downgrade() -> None:
    """Downgrade schema: drop every table, dependants first (their indexes go with them)."""
    for table in ("answers", "survey_figures", "proposed_ratings", "judgements", "evidence_items", "cases", "uploads",
                  "published_ratings", "inspections", "pdus", "scenarios", "regions"):
        op.drop_table(table)
