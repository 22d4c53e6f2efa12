"""initial catalog

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 16:37:08.395981
"""
from alembic import op
import sqlalchemy as sa
import catalog.models


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('counter',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_counter'))
    )
    op.create_table('owner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('personal_id', sa.String(length=12), nullable=True),
    sa.Column('social_insurance_code', sa.String(length=10), nullable=True),
    sa.Column('full_name', sa.String(length=200), nullable=True),
    sa.Column('created_at', catalog.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_owner')),
    sa.UniqueConstraint('personal_id', name=op.f('uq_owner_personal_id')),
    sa.UniqueConstraint('social_insurance_code', name=op.f('uq_owner_social_insurance_code'))
    )
    op.create_table('procedure',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('sector', sa.String(length=200), nullable=True),
    sa.Column('processing_days', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_procedure'))
    )
    op.create_table('document',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('pages_done', sa.Integer(), nullable=False),
    sa.Column('mean_confidence', sa.Float(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('document_type_code', sa.String(length=32), nullable=True),
    sa.Column('created_at', catalog.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', catalog.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['owner.id'], name=op.f('fk_document_owner_id_owner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document'))
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_status'), ['status'], unique=False)

    op.create_table('dossier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('procedure_code', sa.String(length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('received_at', catalog.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', catalog.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', catalog.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['owner.id'], name=op.f('fk_dossier_owner_id_owner')),
    sa.ForeignKeyConstraint(['procedure_code'], ['procedure.code'], name=op.f('fk_dossier_procedure_code_procedure')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier')),
    sa.UniqueConstraint('code', name=op.f('uq_dossier_code'))
    )
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_owner_id'), ['owner_id'], unique=False)

    op.create_table('component',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.String(length=32), nullable=False),
    sa.Column('component_code', sa.String(length=32), nullable=True),
    sa.Column('reused', sa.Boolean(), nullable=False),
    sa.Column('created_at', catalog.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_component_document_id_document')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_component_dossier_id_dossier')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_component')),
    sa.UniqueConstraint('dossier_id', 'document_id', name=op.f('uq_component_dossier_id'))
    )
    with op.batch_alter_table('component', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_component_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_component_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('page',
    sa.Column('document_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('rotation', sa.Integer(), nullable=False),
    sa.Column('skew', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_page_document_id_document'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', 'number', name=op.f('pk_page'))
    )


def downgrade() -> None:
    op.drop_table('page')
    with op.batch_alter_table('component', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_component_dossier_id'))
        batch_op.drop_index(batch_op.f('ix_component_document_id'))

    op.drop_table('component')
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_owner_id'))

    op.drop_table('dossier')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_status'))
        batch_op.drop_index(batch_op.f('ix_document_sha256'))
        batch_op.drop_index(batch_op.f('ix_document_owner_id'))

    op.drop_table('document')
    op.drop_table('procedure')
    op.drop_table('owner')
    op.drop_table('counter')
