"""initial schema

Revision ID: 5925dc3f3382
Revises: 
Create Date: 2026-11-22 19:06:26.777214

"""
from alembic import op
import sqlalchemy as sa

import registry.core.db


# revision identifiers, used by Alembic.
revision = '5925dc3f3382'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jurisdictions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("level IN ('central', 'province', 'city', 'county')", name=op.f('ck_jurisdictions_level_known')),
    sa.CheckConstraint('length(code) = 6', name=op.f('ck_jurisdictions_code_six_digits')),
    sa.ForeignKeyConstraint(['parent_id'], ['jurisdictions.id'], name=op.f('fk_jurisdictions_parent_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jurisdictions')),
    sa.UniqueConstraint('code', name=op.f('uq_jurisdictions_code'))
    )
    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jurisdictions_parent_id'), ['parent_id'], unique=False)

    op.create_table('departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=100), nullable=False),
    sa.Column('sector', sa.String(length=50), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_departments_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departments')),
    sa.UniqueConstraint('jurisdiction_id', 'name', name=op.f('uq_departments_jurisdiction_id_name')),
    sa.UniqueConstraint('jurisdiction_id', 'short_name', name=op.f('uq_departments_jurisdiction_id_short_name'))
    )
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_departments_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_departments_sector'), ['sector'], unique=False)

    op.create_table('matters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('delegated_to_id', sa.Integer(), nullable=True),
    sa.Column('delegated_from_id', sa.Integer(), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('created_at', registry.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'delegated') = (delegated_to_id IS NOT NULL)", name=op.f('ck_matters_delegated_iff_target')),
    sa.CheckConstraint("status IN ('assigned', 'pending', 'delegated')", name=op.f('ck_matters_status_known')),
    sa.ForeignKeyConstraint(['delegated_from_id'], ['matters.id'], name=op.f('fk_matters_delegated_from_id_matters')),
    sa.ForeignKeyConstraint(['delegated_to_id'], ['jurisdictions.id'], name=op.f('fk_matters_delegated_to_id_jurisdictions')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_matters_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matters')),
    sa.UniqueConstraint('jurisdiction_id', 'title', name=op.f('uq_matters_jurisdiction_id_title')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matters_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_matters_delegated_from_id'), ['delegated_from_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matters_delegated_to_id'), ['delegated_to_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matters_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matters_status'), ['status'], unique=False)

    op.create_table('policy_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('doc_number', sa.String(length=100), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_policy_documents_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_documents')),
    sa.UniqueConstraint('jurisdiction_id', 'title', 'doc_number', name=op.f('uq_policy_documents_jurisdiction_id_title_doc_number'))
    )
    with op.batch_alter_table('policy_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_documents_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("role IN ('lead', 'cooperating')", name=op.f('ck_assignments_role_known')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_assignments_department_id_departments')),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], name=op.f('fk_assignments_matter_id_matters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
    sa.UniqueConstraint('matter_id', 'department_id', name=op.f('uq_assignments_matter_id_department_id'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_department_id'), ['department_id'], unique=False)
        batch_op.create_index('uq_assignments_one_lead_per_matter', ['matter_id'], unique=True, sqlite_where=sa.text("role = 'lead'"), postgresql_where=sa.text("role = 'lead'"))

    op.create_table('duties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_duties_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duties'))
    )
    with op.batch_alter_table('duties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duties_department_id'), ['department_id'], unique=False)

    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('internal', 'affiliated')", name=op.f('ck_units_kind_known')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_units_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('department_id', 'name', name=op.f('uq_units_department_id_name'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_department_id'), ['department_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', registry.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', registry.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role IN ('dept_head', 'dept_editor')) = (department_id IS NOT NULL)", name=op.f('ck_users_department_iff_department_role')),
    sa.CheckConstraint("role IN ('sysadmin', 'office_admin', 'dept_head', 'dept_editor')", name=op.f('ck_users_role_known')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_users_department_id_departments')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_users_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', registry.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=True),
    sa.Column('entity_type', sa.String(length=50), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_entries_actor_id_users')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_audit_entries_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_entity', ['entity_type', 'entity_id'], unique=False)
        batch_op.create_index('ix_audit_entries_jurisdiction_at', ['jurisdiction_id', 'at'], unique=False)

    op.create_table('citations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=True),
    sa.Column('duty_id', sa.Integer(), nullable=True),
    sa.Column('article', sa.String(length=100), nullable=False),
    sa.CheckConstraint('(matter_id IS NULL) <> (duty_id IS NULL)', name=op.f('ck_citations_cites_for_one_owner')),
    sa.ForeignKeyConstraint(['document_id'], ['policy_documents.id'], name=op.f('fk_citations_document_id_policy_documents')),
    sa.ForeignKeyConstraint(['duty_id'], ['duties.id'], name=op.f('fk_citations_duty_id_duties'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], name=op.f('fk_citations_matter_id_matters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citations'))
    )
    with op.batch_alter_table('citations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citations_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_citations_duty_id'), ['duty_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_citations_matter_id'), ['matter_id'], unique=False)

    op.create_table('lead_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('to_jurisdiction_id', sa.Integer(), nullable=True),
    sa.Column('basis_kind', sa.String(length=16), nullable=False),
    sa.Column('basis_doc_number', sa.String(length=100), nullable=False),
    sa.Column('basis_date', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', registry.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'assign' AND department_id IS NOT NULL AND to_jurisdiction_id IS NULL) OR (kind = 'delegate' AND department_id IS NULL AND to_jurisdiction_id IS NOT NULL)", name=op.f('ck_lead_decisions_target_matches_kind')),
    sa.CheckConstraint("basis_kind IN ('meeting', 'document')", name=op.f('ck_lead_decisions_basis_kind_known')),
    sa.CheckConstraint("kind IN ('assign', 'delegate')", name=op.f('ck_lead_decisions_kind_known')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_lead_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_lead_decisions_department_id_departments')),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], name=op.f('fk_lead_decisions_matter_id_matters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_lead_decisions_to_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_decisions'))
    )
    with op.batch_alter_table('lead_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_decisions_matter_id'), ['matter_id'], unique=False)

    op.create_table('list_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('doc_number', sa.String(length=100), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('publisher', sa.String(length=200), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', registry.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('matter_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_list_versions_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_list_versions_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_versions')),
    sa.UniqueConstraint('jurisdiction_id', 'label', name=op.f('uq_list_versions_jurisdiction_id_label')),
    sa.UniqueConstraint('jurisdiction_id', 'seq', name=op.f('uq_list_versions_jurisdiction_id_seq'))
    )
    with op.batch_alter_table('list_versions', schema=None) as batch_op:
        batch_op.create_index('ix_list_versions_jurisdiction_effective', ['jurisdiction_id', 'effective_date'], unique=False)

    op.create_table('reporting_cycles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', registry.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_reporting_cycles_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_reporting_cycles_opened_by_id_users')),
    sa.ForeignKeyConstraint(['version_id'], ['list_versions.id'], name=op.f('fk_reporting_cycles_version_id_list_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporting_cycles')),
    sa.UniqueConstraint('jurisdiction_id', 'year', name=op.f('uq_reporting_cycles_jurisdiction_id_year'))
    )
    op.create_table('version_departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=100), nullable=False),
    sa.Column('sector', sa.String(length=50), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_version_departments_department_id_departments')),
    sa.ForeignKeyConstraint(['version_id'], ['list_versions.id'], name=op.f('fk_version_departments_version_id_list_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version_departments')),
    sa.UniqueConstraint('version_id', 'department_id', name=op.f('uq_version_departments_version_id_department_id'))
    )
    with op.batch_alter_table('version_departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_departments_department_id'), ['department_id'], unique=False)

    op.create_table('version_duties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('duty_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('basis', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_version_duties_department_id_departments')),
    sa.ForeignKeyConstraint(['version_id'], ['list_versions.id'], name=op.f('fk_version_duties_version_id_list_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version_duties'))
    )
    with op.batch_alter_table('version_duties', schema=None) as batch_op:
        batch_op.create_index('ix_version_duties_version_department', ['version_id', 'department_id'], unique=False)

    op.create_table('version_matters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('delegated_to_code', sa.String(length=6), nullable=True),
    sa.Column('delegated_to_name', sa.String(length=100), nullable=True),
    sa.Column('lead_department_id', sa.Integer(), nullable=True),
    sa.Column('basis', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['lead_department_id'], ['departments.id'], name=op.f('fk_version_matters_lead_department_id_departments')),
    sa.ForeignKeyConstraint(['version_id'], ['list_versions.id'], name=op.f('fk_version_matters_version_id_list_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version_matters')),
    sa.UniqueConstraint('version_id', 'matter_id', name=op.f('uq_version_matters_version_id_matter_id'))
    )
    with op.batch_alter_table('version_matters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_matters_matter_id'), ['matter_id'], unique=False)
        batch_op.create_index('ix_version_matters_version_category', ['version_id', 'category'], unique=False)
        batch_op.create_index('ix_version_matters_version_lead', ['version_id', 'lead_department_id'], unique=False)
        batch_op.create_index('ix_version_matters_version_seq', ['version_id', 'seq'], unique=False)

    op.create_table('version_withdrawals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', registry.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['list_versions.id'], name=op.f('fk_version_withdrawals_version_id_list_versions')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_version_withdrawals_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version_withdrawals')),
    sa.UniqueConstraint('version_id', name=op.f('uq_version_withdrawals_version_id'))
    )
    op.create_table('annual_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('started_at', registry.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', registry.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', registry.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', registry.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pdf_data', sa.LargeBinary(), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('pdf_size', sa.Integer(), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(state = 'published') = (pdf_sha256 IS NOT NULL)", name=op.f('ck_annual_reports_published_has_pdf')),
    sa.CheckConstraint("state IN ('draft', 'submitted', 'returned', 'accepted', 'published')", name=op.f('ck_annual_reports_state_known')),
    sa.ForeignKeyConstraint(['cycle_id'], ['reporting_cycles.id'], name=op.f('fk_annual_reports_cycle_id_reporting_cycles')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_annual_reports_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_reports')),
    sa.UniqueConstraint('cycle_id', 'department_id', name=op.f('uq_annual_reports_cycle_id_department_id'))
    )
    with op.batch_alter_table('annual_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annual_reports_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_annual_reports_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_annual_reports_state'), ['state'], unique=False)

    op.create_table('version_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_matter_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('department_name', sa.String(length=200), nullable=False),
    sa.Column('department_short_name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("role IN ('lead', 'cooperating')", name=op.f('ck_version_assignments_role_known')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_version_assignments_department_id_departments')),
    sa.ForeignKeyConstraint(['version_id'], ['list_versions.id'], name=op.f('fk_version_assignments_version_id_list_versions')),
    sa.ForeignKeyConstraint(['version_matter_id'], ['version_matters.id'], name=op.f('fk_version_assignments_version_matter_id_version_matters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version_assignments')),
    sa.UniqueConstraint('version_matter_id', 'department_id', name=op.f('uq_version_assignments_version_matter_id_department_id'))
    )
    with op.batch_alter_table('version_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_version_assignments_department_version', ['department_id', 'version_id', 'role'], unique=False)

    op.create_table('report_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', registry.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['annual_reports.id'], name=op.f('fk_report_attachments_report_id_annual_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_report_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_attachments'))
    )
    with op.batch_alter_table('report_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_attachments_report_id'), ['report_id'], unique=False)

    op.create_table('report_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('at', registry.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_report_events_actor_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['annual_reports.id'], name=op.f('fk_report_events_report_id_annual_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_events'))
    )
    with op.batch_alter_table('report_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_events_report_id'), ['report_id'], unique=False)

    op.create_table('report_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('recipient_role', sa.String(length=4), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('received_at', registry.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("recipient_role IN ('to', 'cc')", name=op.f('ck_report_recipients_recipient_role_known')),
    sa.CheckConstraint('(jurisdiction_id IS NULL) <> (department_id IS NULL)', name=op.f('ck_report_recipients_office_or_department')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_report_recipients_department_id_departments')),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_report_recipients_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['report_id'], ['annual_reports.id'], name=op.f('fk_report_recipients_report_id_annual_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_recipients'))
    )
    with op.batch_alter_table('report_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_recipients_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_recipients_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_recipients_report_id'), ['report_id'], unique=False)

    op.create_table('report_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('version_matter_id', sa.Integer(), nullable=True),
    sa.Column('progress', sa.Text(), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.Column('plans', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', registry.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('led_matter', 'cooperating', 'duties', 'free')", name=op.f('ck_report_sections_kind_known')),
    sa.ForeignKeyConstraint(['report_id'], ['annual_reports.id'], name=op.f('fk_report_sections_report_id_annual_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_report_sections_updated_by_id_users')),
    sa.ForeignKeyConstraint(['version_matter_id'], ['version_matters.id'], name=op.f('fk_report_sections_version_matter_id_version_matters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_sections'))
    )
    with op.batch_alter_table('report_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_sections_report_id'), ['report_id'], unique=False)

    op.create_table('indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=50), nullable=False),
    sa.Column('target', sa.String(length=50), nullable=False),
    sa.Column('actual', sa.String(length=50), nullable=False),
    sa.Column('met', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['section_id'], ['report_sections.id'], name=op.f('fk_indicators_section_id_report_sections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicators'))
    )
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicators_section_id'), ['section_id'], unique=False)


def downgrade():
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicators_section_id'))

    op.drop_table('indicators')
    with op.batch_alter_table('report_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_sections_report_id'))

    op.drop_table('report_sections')
    with op.batch_alter_table('report_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_recipients_report_id'))
        batch_op.drop_index(batch_op.f('ix_report_recipients_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_report_recipients_department_id'))

    op.drop_table('report_recipients')
    with op.batch_alter_table('report_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_events_report_id'))

    op.drop_table('report_events')
    with op.batch_alter_table('report_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_attachments_report_id'))

    op.drop_table('report_attachments')
    with op.batch_alter_table('version_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_version_assignments_department_version')

    op.drop_table('version_assignments')
    with op.batch_alter_table('annual_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_reports_state'))
        batch_op.drop_index(batch_op.f('ix_annual_reports_department_id'))
        batch_op.drop_index(batch_op.f('ix_annual_reports_cycle_id'))

    op.drop_table('annual_reports')
    op.drop_table('version_withdrawals')
    with op.batch_alter_table('version_matters', schema=None) as batch_op:
        batch_op.drop_index('ix_version_matters_version_seq')
        batch_op.drop_index('ix_version_matters_version_lead')
        batch_op.drop_index('ix_version_matters_version_category')
        batch_op.drop_index(batch_op.f('ix_version_matters_matter_id'))

    op.drop_table('version_matters')
    with op.batch_alter_table('version_duties', schema=None) as batch_op:
        batch_op.drop_index('ix_version_duties_version_department')

    op.drop_table('version_duties')
    with op.batch_alter_table('version_departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_departments_department_id'))

    op.drop_table('version_departments')
    op.drop_table('reporting_cycles')
    with op.batch_alter_table('list_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_list_versions_jurisdiction_effective')

    op.drop_table('list_versions')
    with op.batch_alter_table('lead_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_decisions_matter_id'))

    op.drop_table('lead_decisions')
    with op.batch_alter_table('citations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citations_matter_id'))
        batch_op.drop_index(batch_op.f('ix_citations_duty_id'))
        batch_op.drop_index(batch_op.f('ix_citations_document_id'))

    op.drop_table('citations')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_jurisdiction_at')
        batch_op.drop_index('ix_audit_entries_entity')

    op.drop_table('audit_entries')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_users_department_id'))

    op.drop_table('users')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_department_id'))

    op.drop_table('units')
    with op.batch_alter_table('duties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duties_department_id'))

    op.drop_table('duties')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_assignments_one_lead_per_matter', sqlite_where=sa.text("role = 'lead'"), postgresql_where=sa.text("role = 'lead'"))
        batch_op.drop_index(batch_op.f('ix_assignments_department_id'))

    op.drop_table('assignments')
    with op.batch_alter_table('policy_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_documents_jurisdiction_id'))

    op.drop_table('policy_documents')
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matters_status'))
        batch_op.drop_index(batch_op.f('ix_matters_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_matters_delegated_to_id'))
        batch_op.drop_index(batch_op.f('ix_matters_delegated_from_id'))
        batch_op.drop_index(batch_op.f('ix_matters_category'))

    op.drop_table('matters')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_departments_sector'))
        batch_op.drop_index(batch_op.f('ix_departments_jurisdiction_id'))

    op.drop_table('departments')
    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jurisdictions_parent_id'))

    op.drop_table('jurisdictions')
