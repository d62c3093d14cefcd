"""The permissions table (STYLE habit 5): every route of app.url_map × every role × every method the
route allows, against the outcome registry/core/permissions.py says it should have.

Each role is walked in its own test (so in its own rolled-back transaction), signed in once, on the
demo data: GETs first, then POSTs, the ones that change state last and in a fixed order so that they
do not break the rows after them. POSTs carry a valid CSRF token and an empty body: what is judged
is whether the request gets past the permission check, not the form.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from registry.auth.models import User
from registry.complaints import captcha
from registry.complaints.models import ComplaintFile
from registry.core.timezone import local_today
from registry.extensions import db
from registry.imports import uploads
from registry.imports.planning import apply_import, plan_import
from registry.jobs.models import Job, JobState
from registry.jurisdictions.models import Jurisdiction
from registry.lists import services as list_services
from registry.lists.models import Assignment, Department, Duty, ListDefault, Matter, PolicyDocument
from registry.notify import notify
from registry.reports import services as report_services
from registry.reports.models import AnnualReport, ReportAttachment, ReportingCycle, ReportState, ReportVolume
from registry.supervision import bulletin as bulletin_service
from registry.supervision import closure, decomposition, evidence, progress, rules, sample_ledger, supervise
from registry.supervision import services as supervision_services
from registry.supervision.models import Bulletin, BulletinState, Ledger
from registry.targets.models import EnvironmentReport, IndicatorValue, TargetIndicator
from registry.versions.models import ListVersion, VersionMatter
from registry.workdays import services as workday_services
from tests import factories
from tests.conftest import Auth, csrf_token

# -- vocabulary ------------------------------------------------------------------------------------

ALLOW = "ALLOW"  # got past the permission check: < 400 (not a redirect to /login), or a 400/409 form refusal
DENY = "DENY"  # 403
LOGIN = "LOGIN"  # 302 to /login
NOT_FOUND = "NOT_FOUND"  # 404
CODES = {"A": ALLOW, "D": DENY, "L": LOGIN, "N": NOT_FOUND}


@dataclass(frozen=True)
class Column:
    username: str | None  # None: not signed in
    place: str  # whose objects fill the URL: "province" (示例省, 省生态环境厅) or "city" (江川市)
    password: str = "demo-2025"


OTHER_PASSWORD = "password-123"  # factories.user's default
ROLES = {
    "anonymous": Column(None, "province"),
    "sysadmin": Column("admin", "province"),
    "office": Column("province_office", "province"),  # the office of the object's jurisdiction
    "parent_office": Column("province_office", "city"),  # the office above it (reads, never edits)
    "child_office": Column("jiangchuan_office", "province"),  # the office below it
    "other_office": Column("other_office", "province", OTHER_PASSWORD),  # another province's office
    "dept_head": Column("sthj_head", "province"),  # 省生态环境厅, whose department/report is in the URL
    "dept_editor": Column("sthj_editor", "province"),
    "other_head": Column("nync_head", "province"),  # 省农业农村厅
    "other_editor": Column("nync_editor", "province", OTHER_PASSWORD),
}

# -- the table -------------------------------------------------------------------------------------
# One string per endpoint (every method), or one per method where they differ. Columns, in order:
#   anonymous · sysadmin · office · parent_office · child_office · other_office ·
#   dept_head · dept_editor · other_head · other_editor
# A = ALLOW, D = DENY (403), L = LOGIN (302 to /login), N = NOT_FOUND (404).

TABLE: dict[str, str | dict[str, str]] = {
    # sysadmin: accounts and the jurisdiction tree
    "admin.users": "L A D D D D D D D D",
    "admin.new_user": "L A D D D D D D D D",
    "admin.toggle_active": "L A D D D D D D D D",
    "admin.unlock": "L A D D D D D D D D",
    "admin.user_email": "L A D D D D D D D D",
    "admin.jurisdictions": "L A D D D D D D D D",
    # public: everybody, signed in or not
    "api.department": "A A A A A A A A A A",
    "api.diff": "A A A A A A A A A A",
    "api.jurisdiction": "A A A A A A A A A A",
    "api.jurisdictions": "A A A A A A A A A A",
    "api.matter": "A A A A A A A A A A",
    "api.matters": "A A A A A A A A A A",
    "api.openapi": "A A A A A A A A A A",
    "api.versions": "A A A A A A A A A A",
    "auth.login": "A A A A A A A A A A",
    "auth.logout": {"POST": "L A A A A A A A A A"},
    "jurisdictions.healthz": "A A A A A A A A A A",
    "jurisdictions.home": "A A A A A A A A A A",
    "jurisdictions.set_language": "A A A A A A A A A A",
    "public.compare": "A A A A A A A A A A",
    "public.department": "A A A A A A A A A A",
    "public.download": "A A A A A A A A A A",
    "public.jurisdiction": "A A A A A A A A A A",
    "public.jurisdictions": "A A A A A A A A A A",
    "public.matter": "A A A A A A A A A A",
    "public.matter_report": "A A A A A A A A A A",
    "public.search": "A A A A A A A A A A",
    "public.version": "A A A A A A A A A A",
    "public.version_table": "A A A A A A A A A A",
    "public.versions": "A A A A A A A A A A",
    "reports.published_pdf": "A A A A A A A A A A",
    "reports.published_volume": "A A A A A A A A A A",
    "reports.published_attachment": "A A A A A A A A A A",
    # public complaints (#17): report, track, rate; publishable photos; the CAPTCHA image
    "complaints.new": "A A A A A A A A A A",
    "complaints.check": "A A A A A A A A A A",
    "complaints.submitted": "A A A A A A A A A A",
    "complaints.captcha_image": "A A A A A A A A A A",
    "complaints.photo": "A A A A A A A A A A",
    "complaints.track": "A A A A A A A A A A",
    "complaints.rate": "A A A A A A A A A A",
    # complaint statistics (aggregates only) and their charts; the same figures in the open-data API
    "complaints.stats_index": "A A A A A A A A A A",
    "complaints.stats_jurisdiction": "A A A A A A A A A A",
    "complaints.stats_chart": "A A A A A A A A A A",
    "api.complaint_stats": "A A A A A A A A A A",
    # target indicators on public pages and in the open data (#19)
    "public.indicators": "A A A A A A A A A A",
    "public.indicator": "A A A A A A A A A A",
    "public.indicator_chart": "A A A A A A A A A A",
    "api.indicators": "A A A A A A A A A A",
    "api.indicator": "A A A A A A A A A A",
    # target indicators behind the sign-in (registry/targets/views.py): target:read for the office, the
    # offices above (reading) and the lead department (the column's); target:manage for the office of the
    # jurisdiction; target:record for the lead department's staff
    "targets.indicators": "L D A A D D D D D D",
    "targets.indicator": "L D A A D D A A D D",
    "targets.chart": "L D A A D D A A D D",
    "targets.new": "L D A D D D D D D D",
    "targets.edit": "L D A D D D D D D D",
    "targets.delete": "L D A D D D D D D D",
    "targets.import_upload": "L D A D D D D D D D",
    "targets.import_template": "L D A D D D D D D D",
    "targets.import_preview": "L D A D D D D D D D",
    "targets.import_apply": "L D A D D D D D D D",
    "targets.lock": "L D A D D D D D D D",
    "targets.record": {"POST": "L D D D D D A A D D"},
    "targets.delete_value": "L D D D D D A A D D",
    # the government's yearly report (registry/targets/environment_views.py): target:read for the office
    # and the offices above, target:manage for the office; the published PDF for everybody
    "environment.index": "L D A A D D D D D D",
    "environment.report": "L D A A D D D D D D",
    "environment.preview_pdf": "L D A A D D D D D D",
    "environment.new": "L D A D D D D D D D",
    "environment.edit": "L D A D D D D D D D",
    "environment.compile_pdf": {"POST": "L D A D D D D D D D"},
    "environment.publish": "L D A D D D D D D D",
    "environment.published_pdf": "A A A A A A A A A A",
    # complaints handled by the column's department (registry/complaints/views.py): complaint:read for the
    # handling department, its office and the offices above; steps for the department; decisions for its office
    "complaints.inbox": "L D A A A A A A A A",
    "complaints.show": "L D A A D D A A D D",
    "complaints.file": "L D A D D D A A D D",  # private photos, attachments: as the contact details
    "complaints.contact": "L D A D D D A A D D",  # the handling department and its office only
    "complaints.add_note": "L D A D D D A A D D",
    "complaints.accept": "L D D D D D A A D D",
    "complaints.transfer": "L D D D D D A A D D",
    "complaints.answer": "L D D D D D A A D D",
    "complaints.reject": "L D D D D D A A D D",
    "complaints.request_extension": "L D D D D D A A D D",
    "complaints.publish_photo": "L D D D D D A A D D",
    "complaints.decide_extension": "L D A D D D D D D D",
    "complaints.review": "L D A D D D D D D D",
    "complaints.settings": "L D A D D D D D D D",
    # list:read / audit:read: the office and the offices above it, and the sysadmin
    "lists.jurisdiction": "L A A A D D D D D D",
    "lists.health": "L A A A D D D D D D",
    "lists.queue": "L A A A D D D D D D",
    "lists.matters": "L A A A D D D D D D",
    "lists.matter": "L A A A D D D D D D",
    "lists.departments": "L A A A D D D D D D",
    "lists.documents": "L A A A D D D D D D",
    "lists.audit": "L A A A D D D D D D",
    "lists.upper_list": "L A A A D D D D D D",
    "lists.matter_audit": "L A A A D D D D D D",
    "versions.index": "L A A A D D D D D D",
    "versions.show": "L A A A D D D D D D",
    "versions.compare": "L A A A D D D D D D",
    "versions.export_working": "L A A A D D D D D D",
    "versions.export_version": "L A A A D D D D D D",
    "imports.result": "L A A A D D D D D D",
    # department:read: as list:read, plus the department's own staff
    "lists.department": "L A A A D D A A D D",
    "lists.duty_check": "L A A A D D A A D D",
    # list:edit / list:publish: the office of the jurisdiction only
    "lists.department_new": "L D A D D D D D D D",
    "lists.department_edit": "L D A D D D D D D D",
    "lists.department_retire": "L D A D D D D D D D",
    "lists.department_rename": "L D A D D D D D D D",
    "lists.department_merge": "L D A D D D D D D D",
    "lists.department_split": "L D A D D D D D D D",
    "lists.unit_new": "L D A D D D D D D D",
    "lists.unit_edit": "L D A D D D D D D D",
    "lists.unit_retire": "L D A D D D D D D D",
    "lists.duty_new": "L D A D D D D D D D",
    "lists.duty_edit": "L D A D D D D D D D",
    "lists.duty_delete": "L D A D D D D D D D",
    "lists.document_new": "L D A D D D D D D D",
    "lists.document_edit": "L D A D D D D D D D",
    "lists.matter_new": "L D A D D D D D D D",
    "lists.matter_edit": "L D A D D D D D D D",
    "lists.matter_delete": "L D A D D D D D D D",
    "lists.matter_decide": "L D A D D D D D D D",
    "lists.matter_delegate": "L D A D D D D D D D",
    "imports.upload": "L D A D D D D D D D",
    "imports.preview": "L D A D D D D D D D",
    "imports.confirm": "L D A D D D D D D D",
    "imports.remap": "L D A D D D D D D D",
    "versions.publish": "L D A D D D D D D D",
    "lists.upper_review": "L D A D D D D D D D",
    "lists.upper_adopt": "L D A D D D D D D D",
    "lists.upper_follow": "L D A D D D D D D D",
    "lists.default_edit": "L D A D D D D D D D",
    "lists.default_delete": "L D A D D D D D D D",
    "versions.withdraw": "L D A D D D D D D D",
    # account:self: every signed-in user (each sees what their role scopes)
    "lists.workbench": "L A A A A A A A A A",
    "reports.home": "L A A A A A A A A A",
    "jobs.index": "L A A A A A A A A A",
    # 消息: each user's own inbox and settings; a notice opens for its user only (here the office's)
    "notify.inbox": "L A A A A A A A A A",
    "notify.read_all": "L A A A A A A A A A",
    "notify.settings": "L A A A A A A A A A",
    "notify.open_notice": "L N A N N N N N N N",
    # a job: whoever started it (here the office) and the office of its jurisdiction; others 404
    "jobs.show": "L N A N N N N N N N",
    "jobs.status": "L N A N N N N N N N",
    "jobs.result": "L N A N N N N N N N",
    "reports.inbox": "L A A A A A A A A A",
    # cycle:manage, always on the user's own jurisdiction (the URL names none)
    "reports.new_cycle": "L D A A A A D D D D",
    # report:read: the offices (own and above) and the department's own staff; not the sysadmin
    "reports.cycle": "L D A A D D D D D D",
    # working days (registry/workdays): list:read reads a jurisdiction's calendar; workdays:manage is
    # the office of the jurisdiction (and the sysadmin); installation-wide ones are the sysadmin's only
    "workdays.calendar": "L A A A D D D D D D",
    "workdays.add": "L A A D D D D D D D",
    "workdays.remove": "L A A D D D D D D D",
    "workdays.installation": "L A D D D D D D D D",
    "workdays.installation_add": "L A D D D D D D D D",
    "workdays.installation_remove": "L A D D D D D D D D",
    # a cycle's deadline (cycle:manage on the cycle): the office of its jurisdiction
    "reports.edit_deadline": "L D A D D D D D D D",
    "reports.volume_pdf": "L D A A D D D D D D",
    "reports.report": "L D A A D D A A D D",
    "reports.preview": "L D A A D D A A D D",
    "reports.attachment": "L D A A D D A A D D",
    # report:edit: the department's staff
    "reports.edit_section": "L D D D D D A A D D",
    "reports.remind": "L D D D D D A A D D",  # §7 提醒: the lead department's own users
    "reports.upload_attachment": "L D D D D D A A D D",
    "reports.delete_attachment": "L D D D D D A A D D",
    # report:submit / report:publish: the department's head
    "reports.submit": "L D D D D D A D D D",
    "reports.send_back": "L D D D D D A D D D",  # 退回填报人: the head, after the editor's 提请审核
    # 提请审核: the department's staff (report:edit)
    "reports.request_review": "L D D D D D A A D D",
    "reports.publish": "L D D D D D A D D D",
    # report:review: the office the report is submitted to
    "reports.accept": "L D A D D D D D D D",
    # cycle:manage on the volume's cycle: the office of its jurisdiction
    "reports.compile_volume": "L D A D D D D D D D",
    "reports.publish_volume": "L D A D D D D D D D",
    "reports.return_report": "L D A D D D D D D D",
    # -- supervision (#18): ledgers, tasks, decomposition, progress, 督办, 销号, bulletins -------------------
    # The URL's task is an open one of the column's place led by the column's department (省生态环境厅 /
    # 江川市生态环境局), 省水利厅 / 江川市水利局 cooperating; 省农业农村厅 (other_head) has no part in it.
    # The sysadmin holds no task:* permission. task:read / task:manage / task:report are for every office /
    # department on their own pages (the URL names no object):
    "supervision.home": "L D A A A A A A A A",
    "supervision.desk": "L D A A A A D D D D",  # task:manage, always on the user's own jurisdiction
    "supervision.my_units": "L D D D D D A A A A",  # task:report: redirects to the user's own department
    # a ledger, its bulletins: task:read on the jurisdiction (its office and the offices above; a ledger
    # names no department, so departments read their tasks, not whole ledgers)
    "supervision.ledger": "L D A A D D D D D D",
    "supervision.bulletins": "L D A A D D D D D D",
    "supervision.bulletin": "L D A A D D D D D D",
    "supervision.bulletin_preview": "L D A A D D D D D D",  # the draft's PDF
    "supervision.bulletin_chart": "L D A A D D D D D D",
    # task:manage: the office of the jurisdiction only (offices above read, never edit)
    "supervision.ledger_new": "L D A D D D D D D D",
    "supervision.ledger_edit": "L D A D D D D D D D",
    "supervision.ledger_archive": "L D A D D D D D D D",  # 归档 / 取消归档 (a confirmation page)
    "supervision.task_new": "L D A D D D D D D D",
    "supervision.task_edit": "L D A D D D D D D D",
    "supervision.settings": "L D A D D D D D D D",
    "supervision.import_upload": "L D A D D D D D D D",
    "supervision.import_template": "L D A D D D D D D D",
    "supervision.import_sample": "L D N D D D D D D D",  # 示例台账 is 江川市's only: 404 on 示例省 for its office
    "supervision.import_preview": "L D A D D D D D D D",
    "supervision.import_apply": {"POST": "L D A D D D D D D D"},
    "supervision.bulletin_new": "L D A D D D D D D D",
    "supervision.bulletin_edit": "L D A D D D D D D D",
    "supervision.bulletin_compile": {"POST": "L D A D D D D D D D"},
    "supervision.bulletin_publish": "L D A D D D D D D D",
    "supervision.supervise": "L D A D D D D D D D",  # 督办
    "supervision.start_notice": "L D A D D D D D D D",  # 销号公示
    "supervision.close_task": "L D A D D D D D D D",
    "supervision.send_back": "L D A D D D D D D D",
    "supervision.reopen_task": "L D A D D D D D D D",
    "supervision.handle_objection": "L D A D D D D D D D",
    "supervision.objection_contact": {"POST": "L D A D D D D D D D"},  # the objector's contact: the office only
    # a task and its evidence: task:read (the office, the offices above, the lead department; cooperating
    # and certifying departments through Task.recipients_scope)
    "supervision.task": "L D A A D D A A D D",
    "supervision.task_file": "L D A A D D A A D D",
    "supervision.closure_file": "L D A A D D A A D D",
    # task:report on the task: the lead department's staff (progress: the lead's, or a cooperating one's input)
    "supervision.task_progress": "L D D D D D A A D D",
    "supervision.task_remind": "L D D D D D A A D D",
    "supervision.task_escalate": "L D D D D D A A D D",
    "supervision.task_unit_new": "L D D D D D A A D D",
    "supervision.task_unit_edit": "L D D D D D A A D D",
    "supervision.task_unit_remove": "L D D D D D A A D D",
    "supervision.apply_closure": "L D D D D D A A D D",
    "supervision.answer_supervision": "L D D D D D A A D D",  # the department the 督办 went to (the lead)
    # 认定: a closure being certified where the column's department owes the sign-off (it certifies
    # another department's task: 示例省's 认定部门 is 省生态环境厅); its head and its editor sign
    "supervision.sign_closure": "L D D D D D A A D D",
    # a department's own decomposition page (department:read, as lists.department) and its changes
    # (task:report on the department: its own staff)
    "supervision.department_units": "L A A A D D A A D D",
    "supervision.department_unit_new": {"POST": "L D D D D D A A D D"},
    "supervision.department_unit_edit": "L D D D D D A A D D",
    "supervision.matter_unit_new": "L D D D D D A A D D",  # a matter the department leads
    "supervision.matter_unit_edit": "L D D D D D A A D D",
    "supervision.matter_unit_remove": "L D D D D D A A D D",
    # public: the closure notices (公示) and the objection form while the window is open; the published
    # monthly bulletins
    "supervision.public_notices": "A A A A A A A A A A",
    "supervision.public_notice": "A A A A A A A A A A",
    "supervision.public_objection": "A A A A A A A A A A",
    "supervision.public_bulletins": "A A A A A A A A A A",
    "supervision.public_bulletin_pdf": "A A A A A A A A A A",
    # public: a jurisdiction's ledgers, one ledger (and its charts), one task; the tasks' open data
    "supervision.public_ledgers": "A A A A A A A A A A",
    "supervision.public_ledger": "A A A A A A A A A A",
    "supervision.public_ledger_chart": "A A A A A A A A A A",
    "supervision.public_task": "A A A A A A A A A A",
    "api.tasks": "A A A A A A A A A A",
    "api.task": "A A A A A A A A A A",
}

# Endpoints deliberately left out of the walk, with the reason.
EXEMPT: dict[str, str] = {
    "static": "files under /static, no permission involved",
}

# Cells where the app does not do what the table says (a hole): (endpoint, role, method) -> why.
# The walk skips them; test_known_hole asserts the table's answer and is expected to fail until fixed.
HOLES: dict[tuple[str, str, str], str] = {}

# POSTs that change state even with an empty body (confirmation forms need only the CSRF token):
# walked last, in this order, so that they do not break the rows before them. Logout ends the walk.
DESTRUCTIVE = (
    "supervision.task_unit_remove",  # a confirmation form: removes the row
    "supervision.matter_unit_remove",  # before lists.matter_delete, which may delete its matter
    "workdays.remove",
    "workdays.installation_remove",
    "lists.unit_retire",
    "lists.duty_delete",
    "lists.default_delete",
    "lists.matter_delete",
    "imports.confirm",
    "lists.department_retire",
    "reports.accept",
    "reports.submit",
    "supervision.import_apply",  # imports the upload (a new ledger) where its rows are good
    "supervision.bulletin_compile",  # starts the 生成 job (run at once in the tests)
    "admin.toggle_active",
    "admin.unlock",
    "auth.logout",
)

# Arguments that mean something else on one endpoint: argument -> the value (of _url_values) to use.
ARG_OVERRIDES = {
    "jurisdictions.set_language": {"code": "language"},
    "reports.published_pdf": {"report_id": "published_report_id"},  # the column's report is a draft
    "workdays.installation_remove": {"exception_id": "installation_exception_id"},
    "reports.published_volume": {"volume_id": "published_volume_id"},
    "reports.published_attachment": {"report_id": "published_report_id", "attachment_id": "published_attachment_id"},
    "public.matter_report": {"matter_id": "reported_matter_id"},  # a matter of the published report
    "complaints.captcha_image": {"token": "captcha_token"},  # an open CAPTCHA challenge
    "environment.published_pdf": {"year": "environment_published_year"},  # the column's draft is not public
    "targets.import_preview": {"token": "indicator_token"},  # an indicator import's upload, not a list's
    "targets.import_apply": {"token": "indicator_token"},
    # supervision (#18): a task's and a matter's decomposition rows share the argument name row_id; the
    # evidence files are the task's; a closure in certification for signing; a ledger upload, not a list's
    "supervision.task_file": {"file_id": "task_file_id"},
    "supervision.closure_file": {"file_id": "closure_file_id"},
    "supervision.task_unit_edit": {"row_id": "task_unit_id"},
    "supervision.task_unit_remove": {"row_id": "task_unit_id"},
    "supervision.matter_unit_edit": {"row_id": "matter_unit_id"},
    "supervision.matter_unit_remove": {"row_id": "matter_unit_id"},
    "supervision.matter_unit_new": {"matter_id": "dept_matter_id"},  # a matter the department leads
    "supervision.sign_closure": {"closure_id": "certifying_closure_id"},
    "supervision.import_preview": {"token": "ledger_token"},
    "supervision.import_apply": {"token": "ledger_token"},
    **{
        f"supervision.{name}": {"year": "bulletin_year", "month": "bulletin_month"}
        for name in (
            "bulletin",
            "bulletin_chart",
            "bulletin_compile",
            "bulletin_edit",
            "bulletin_preview",
            "bulletin_publish",
        )
    },
    "supervision.public_bulletin_pdf": {"year": "published_bulletin_year", "month": "published_bulletin_month"},
}


# A query string an endpoint needs to answer at all (the values of _url_values fill it).
QUERIES = {
    "api.complaint_stats": "jurisdiction={code}",  # without it: 400, a refusal of the request, not of the role
    "api.indicators": "jurisdiction={code}",  # the same
    "api.tasks": "jurisdiction={code}",  # the same
}


# -- helpers ---------------------------------------------------------------------------------------


def _expected(endpoint: str, role: str, method: str) -> str:
    row = TABLE.get(endpoint)
    if row is None:
        return "a row in TABLE"
    cells = (row if isinstance(row, str) else row[method]).split()
    return CODES[cells[list(ROLES).index(role)]]


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _routes(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in EXEMPT]


def _outcome(response, method: str) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        return LOGIN if urlsplit(response.headers.get("Location", "")).path == "/login" else ALLOW
    if status == 403:
        return DENY
    if status == 404:
        return NOT_FOUND
    if status < 400:
        return ALLOW
    if method == "POST" and status in (400, 409):
        if "安全令牌" in response.get_data(as_text=True):
            return "CSRF refused"  # the walk's own fault: never what the table expects
        return ALLOW
    return f"HTTP {status}"


def _one(model, *where):
    return db.session.scalars(select(model).where(*where).order_by(model.id)).first()


def _jurisdiction(code: str) -> Jurisdiction:
    return _one(Jurisdiction, Jurisdiction.code == code)


def _user(username: str) -> User:
    return _one(User, User.username == username)


def _department(j: Jurisdiction, name: str) -> Department:
    return _one(Department, Department.jurisdiction_id == j.id, Department.name == name)


PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
IMPORT_HEADER = "序号,事项类别,具体事项,牵头部门,配合部门,责任内容,依据\n"


def _import_csv(title: str, lead: str) -> bytes:
    return (IMPORT_HEADER + f"99,其他,{title},{lead},,权限表测试导入的事项。,\n").encode()


def _report_of(cycle: ReportingCycle, department: Department) -> AnnualReport:
    return _one(AnnualReport, AnnualReport.cycle_id == cycle.id, AnnualReport.department_id == department.id)


def _stub_published() -> AnnualReport:
    """Without a CJK font the demo publishes no report: mark an accepted one published by hand."""
    report = _one(AnnualReport, AnnualReport.state == ReportState.ACCEPTED)
    report.pdf_data, report.pdf_size = PDF, len(PDF)
    report.pdf_sha256 = hashlib.sha256(PDF).hexdigest()
    report.state = ReportState.PUBLISHED
    db.session.flush()
    return report


def _reported_matter_id(report: AnnualReport) -> int:
    """A matter the published report has a led-matter section on (its public page for that year)."""
    section = next(s for s in report.sections if s.kind == "led_matter")
    return db.session.scalar(select(VersionMatter.matter_id).where(VersionMatter.id == section.version_matter_id))


def _jobs_and_volumes(cycle: ReportingCycle, office: User, published: AnnualReport) -> tuple:
    """A finished job of the office (with a result file), a volume of the cycle, a published volume
    and an attachment of the published report: rows as the 汇编 job and publishing leave them."""
    job = Job(
        kind="compile_volume",
        title="权限表测试任务",
        params={"cycle_id": cycle.id},
        state=JobState.DONE,
        jurisdiction_id=cycle.jurisdiction_id,
        started_by_id=office.id,
        result_name="结果.pdf",
        result_type="application/pdf",
        result_data=PDF,
    )
    db.session.add(job)
    sha = hashlib.sha256(PDF).hexdigest()
    volume, published_volume = (
        ReportVolume(
            cycle_id=c.id,
            title="权限表测试汇编",
            report_ids=[],
            pdf_data=PDF,
            pdf_sha256=sha,
            pdf_size=len(PDF),
            published_at=at,
        )
        for c, at in ((cycle, None), (published.cycle, published.published_at or datetime(2026, 1, 1)))
    )
    attachment = ReportAttachment(
        report_id=published.id,
        title="公开附件",
        filename="公开.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256=sha,
        data=PDF,
    )
    db.session.add_all([volume, published_volume, attachment])
    db.session.flush()
    return job, volume, published_volume, attachment


def _environment_reports(j: Jurisdiction, year: int) -> int:
    """The government's yearly report of `year` (a draft with a PDF, unless the demo has one) and a
    published one; the year of the published one."""
    sha = hashlib.sha256(PDF).hexdigest()
    stored = {"pdf_data": PDF, "pdf_sha256": sha, "pdf_size": len(PDF), "compiled_at": datetime(2026, 1, 1, tzinfo=UTC)}
    if _one(EnvironmentReport, EnvironmentReport.jurisdiction_id == j.id, EnvironmentReport.year == year) is None:
        db.session.add(EnvironmentReport(jurisdiction_id=j.id, year=year, title="权限表测试报告", **stored))
    mine = EnvironmentReport.jurisdiction_id == j.id
    published = _one(EnvironmentReport, mine, EnvironmentReport.state == "published")
    if published is None:
        at = datetime(2026, 1, 2, tzinfo=UTC)
        published = EnvironmentReport(
            jurisdiction_id=j.id, year=2019, title="公开报告", state="published", published_at=at
        )
        for name, value in stored.items():
            setattr(published, name, value)
        db.session.add(published)
    db.session.flush()
    return published.year


def _public_photo(department: Department) -> ComplaintFile:
    """A photo of a complaint to `department` that the department marked publishable."""
    made = factories.complaint(department)
    photo = ComplaintFile(
        complaint=made,
        kind="photo",
        filename="photo-1.png",
        content_type="image/png",
        size=4,
        sha256="0" * 64,
        data=b"\x89PNG",
        publishable=True,
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def _handled_complaint(department: Department) -> tuple:
    """A new complaint handled by `department`, with a photo not yet publishable."""
    made = factories.complaint(department, contact={"name": "权限表", "phone": "13800000000"})
    photo = ComplaintFile(
        complaint=made,
        kind="photo",
        filename="photo-2.png",
        content_type="image/png",
        size=4,
        sha256="1" * 64,
        data=b"\x89PNG",
    )
    db.session.add(photo)
    db.session.flush()
    return made, photo


SUPERVISION_ACTOR = "权限表测试"  # a process: the services take it where the roles' checks are not the point


def _bulletins(j: Jurisdiction, office: User) -> dict[str, int]:
    """A draft monthly bulletin of this month with a compiled PDF (as a finished 生成 job leaves it), and a
    published one (the demo's, or one marked published by hand: without a CJK font none is)."""
    today = local_today()
    draft = bulletin_service.bulletin_for(j.id, today.year, today.month) or bulletin_service.create_bulletin(
        j, today.year, today.month, actor=office
    )
    stored = {
        "pdf_data": PDF,
        "pdf_sha256": hashlib.sha256(PDF).hexdigest(),
        "pdf_size": len(PDF),
        "compiled_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    for name, value in stored.items():
        setattr(draft, name, value)
    published = _one(Bulletin, Bulletin.jurisdiction_id == j.id, Bulletin.state == BulletinState.PUBLISHED)
    if published is None:
        published = Bulletin(
            jurisdiction_id=j.id,
            year=2020,
            month=1,
            title="权限表测试通报",
            state=BulletinState.PUBLISHED,
            published_at=datetime(2020, 2, 1, tzinfo=UTC),
            **stored,
        )
        db.session.add(published)
    db.session.flush()
    return {
        "bulletin_year": draft.year,
        "bulletin_month": draft.month,
        "published_bulletin_year": published.year,
        "published_bulletin_month": published.month,
    }


def _supervision(j: Jurisdiction, office: User, department: Department, unit, cooperating: str) -> dict[str, object]:
    """The ledger objects of the column's place, made through the services: an open task led by
    `department` (`cooperating` cooperating) with a progress report and its evidence, a unit carrying it
    and a 督办 to answer; a task of `department` on public notice (evidence, an objection); a closure of
    the cooperating department's task that `department`, the place's 认定部门, has still to sign; a matter
    of `department` decomposed to `unit`; a ledger upload of the office waiting for its confirmation; the
    monthly bulletins."""
    other = _department(j, cooperating)
    ledger = _one(Ledger, Ledger.jurisdiction_id == j.id) or factories.ledger(j)
    settings = rules.settings(j.id)
    if department.id not in rules.certifier_ids(j.id):
        supervision_services.save_settings(
            j, certifier_ids=[*rules.certifier_ids(j.id), department.id], actor=office, **settings
        )
    due = local_today() + timedelta(days=180)

    def task(problem: str, lead: Department, cooperating=()):
        return factories.task(ledger, lead, problem=problem, number="权限", cooperating=cooperating, due_date=due)

    made = task("权限表测试：整改中的任务。", department, [other])
    report = progress.report_progress(
        made,
        department=department,
        status="on_track",
        text="权限表测试进展。",
        percent=10,
        files=[evidence.Upload("进展.pdf", PDF)],
        actor=SUPERVISION_ACTOR,
    )
    task_unit = decomposition.decompose_task(
        made, unit, person="张三", work="权限表测试分工。", actor=SUPERVISION_ACTOR
    )
    supervision = supervise.issue_supervision(made, level="remind", text="权限表测试督办。", actor=office)

    on_notice = task("权限表测试：公示中的任务。", department)
    notice = closure.apply_closure(
        on_notice, statement="权限表测试：已整改完成。", files=[("证明.pdf", PDF)], actor=SUPERVISION_ACTOR
    )
    closure.start_notice(notice, public_text="权限表测试公示。", actor=office)
    objection = closure.submit_objection(
        notice, text="权限表测试：问题仍然存在，请核实。", name="权限表", phone="13800000000", email=""
    )

    certifying = closure.apply_closure(
        task("权限表测试：认定中的任务。", other), statement="权限表测试：已整改完成。", actor=SUPERVISION_ACTOR
    )

    matter = _one(
        Matter,
        Matter.id.in_(select(Assignment.matter_id).where(Assignment.department_id == department.id)),
        Matter.jurisdiction_id == j.id,
    )
    matter_unit = decomposition.decompose_matter(
        matter, department, unit, person="李四", work="权限表测试分工。", actor=SUPERVISION_ACTOR
    )
    pending = uploads.keep_upload(
        office, j, "台账.xlsx", sample_ledger.demo_workbook(), create_departments=False, kind=uploads.LEDGER
    )
    pending.mapping = {"ledger_id": None, "title": "权限表测试台账", "source_kind": "inspection", "source_title": ""}
    db.session.flush()
    return {
        "ledger_id": ledger.id,
        "task_id": made.id,
        "task_file_id": report.files[0].id,
        "task_unit_id": task_unit.id,
        "supervision_id": supervision.id,
        "closure_id": notice.id,
        "closure_file_id": notice.files[0].id,
        "objection_id": objection.id,
        "certifying_closure_id": certifying.id,
        "dept_matter_id": matter.id,
        "matter_unit_id": matter_unit.id,
        "ledger_token": pending.token,
        **_bulletins(j, office),
    }


def _url_values(place: str) -> dict[str, object]:
    """A real object of `place` for every URL argument name, created where the demo has none."""
    province = _jurisdiction("990000")
    if place == "province":
        j, office, department = province, _user("province_office"), _department(province, "省生态环境厅")
        editor = _user("sthj_editor")
        cycle = _one(ReportingCycle, ReportingCycle.jurisdiction_id == j.id)
        account = _user("slt_head")
    else:
        j, office = _jurisdiction("990100"), _user("jiangchuan_office")
        department = _department(j, "江川市生态环境局")
        # The city has no department users: one to add the attachment as.
        editor = factories.user("jcsthj_editor", "dept_editor", j, department)
        cycle = report_services.open_cycle(j, year=2025, deadline=date(2026, 3, 31), actor=office)
        account = office
    report = _report_of(cycle, department)
    unit = list_services.create_unit(department, name="权限表测试科", kind="internal", actor="测试")
    duty = _one(Duty, Duty.department_id == department.id) or list_services.add_duty(
        department, "权限表测试职责。", actor="测试"
    )
    document = _one(PolicyDocument, PolicyDocument.jurisdiction_id == j.id) or list_services.create_document(
        j,
        title="权限表测试文件",
        actor="测试",
    )
    matter = _one(Matter, Matter.jurisdiction_id == j.id)
    # The demo's indicators (#19), led by the column's department where one is.
    indicator = _one(
        TargetIndicator, TargetIndicator.jurisdiction_id == j.id, TargetIndicator.lead_department_id == department.id
    ) or factories.indicator(j, department, name="权限表测试指标")
    value = _one(IndicatorValue, IndicatorValue.indicator_id == indicator.id) or IndicatorValue(
        indicator_id=indicator.id, year=indicator.baseline_year, value=1.0, source="权限表测试"
    )
    db.session.add(value)
    version = _one(ListVersion, ListVersion.jurisdiction_id == j.id)
    default = ListDefault(jurisdiction_id=j.id, text="权限表测试规定。", territorial=[])
    db.session.add(default)
    db.session.flush()
    attachment = report_services.add_attachment(report, actor=editor, title="现场照片", filename="现场.pdf", data=PDF)
    imported = apply_import(plan_import(j, _import_csv("权限表测试已导入事项", department.name), "a.csv"), office)
    pending = uploads.keep_upload(
        office, j, "b.csv", _import_csv("权限表测试待导入事项", department.name), create_departments=False
    )
    indicator_pending = uploads.keep_upload(
        office, j, "c.csv", "指标名称\n权限表测试指标\n".encode(), create_departments=False, kind=uploads.INDICATORS
    )
    published = _one(AnnualReport, AnnualReport.state == ReportState.PUBLISHED) or _stub_published()
    environment_published_year = _environment_reports(j, published.cycle.year)
    job, volume, published_volume, published_attachment = _jobs_and_volumes(cycle, office, published)
    [notice] = notify(
        [office], "report_submitted", "权限表测试消息", url=f"/reports/{report.id}"
    )  # a notice of the column's office
    exception, installation_exception = (
        workday_services.add_exception(where, day=date(2026, 10, 9), is_workday=False, note="权限表测试", actor="测试")
        for where in (j, None)
    )
    public_photo = _public_photo(department)
    handled, handled_photo = _handled_complaint(department)
    challenge = captcha.issue()
    supervision = _supervision(j, office, department, unit, "省水利厅" if place == "province" else "江川市水利局")
    db.session.commit()  # releases the test's savepoint only: a view's rollback must not undo this
    return {
        "code": j.code,
        "department_id": department.id,
        "matter_id": matter.id,
        "indicator_id": indicator.id,
        "value_id": value.id,
        "duty_id": duty.id,
        "default_id": default.id,
        "unit_id": unit.id,
        "document_id": document.id,
        "version_id": version.id,
        "label": version.label,
        "other_label": version.label,  # the demo has one version per place; a diff with itself is fine
        "fmt": "csv",
        "token": pending.token,
        "indicator_token": indicator_pending.token,
        "entry_id": imported.audit_id,
        "cycle_id": cycle.id,
        "exception_id": exception.id,
        "installation_exception_id": installation_exception.id,
        "report_id": report.id,
        "section_id": report.sections[0].id,
        "attachment_id": attachment.id,
        "user_id": account.id,
        "published_report_id": published.id,
        "job_id": job.id,
        "notice_id": notice.id,
        "volume_id": volume.id,
        "published_volume_id": published_volume.id,
        "published_attachment_id": published_attachment.id,
        "reported_matter_id": _reported_matter_id(published),
        "year": published.cycle.year,
        "language": "zh",
        "photo_id": public_photo.id,
        "complaint_id": handled.id,
        "file_id": handled_photo.id,
        "captcha_token": challenge.token,
        "environment_published_year": environment_published_year,
        **supervision,
    }


def _add_other_users() -> None:
    province = _jurisdiction("990000")
    other = factories.jurisdiction("910000", "province", name="权限表测试省")
    factories.user("other_office", "office_admin", other)
    factories.user("nync_editor", "dept_editor", province, _department(province, "省农业农村厅"))


class Walk:
    """One role's browser: signed in once, with the URL values of its column."""

    def __init__(self, client, role: str):
        column = ROLES[role]
        _add_other_users()
        self.values = _url_values(column.place)
        self.client = client
        if column.username:
            response = Auth(client).login(column.username, column.password)
            assert response.status_code == 302, f"{column.username} could not sign in"
            self.token = csrf_token(client, "/")
        else:
            self.token = csrf_token(client, "/login")

    def url(self, rule) -> str:
        overrides = ARG_OVERRIDES.get(rule.endpoint, {})
        values = {**self.values, **{arg: self.values[name] for arg, name in overrides.items()}}
        missing = rule.arguments - values.keys()
        assert not missing, f"{rule.endpoint}: no value for {sorted(missing)}"
        path = rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]
        return path + (f"?{QUERIES[rule.endpoint].format(**values)}" if rule.endpoint in QUERIES else "")

    def outcome(self, rule, method: str) -> tuple[str, int]:
        data = {"csrf_token": self.token} if method == "POST" else None
        response = self.client.open(self.url(rule), method=method, data=data)
        return _outcome(response, method), response.status_code


def _walk_order(app) -> list[tuple[object, str]]:
    """GETs, then POSTs, then the state-changing POSTs in DESTRUCTIVE order."""
    cells = [(rule, method) for rule in _routes(app) for method in _methods(rule)]

    def key(cell):
        rule, method = cell
        late = rule.endpoint in DESTRUCTIVE and method == "POST"
        return (late, DESTRUCTIVE.index(rule.endpoint) if late else 0, method != "GET", rule.endpoint)

    return sorted(cells, key=key)


# -- the tests -------------------------------------------------------------------------------------


def test_every_route_has_a_row(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - TABLE.keys() - EXEMPT.keys()) == [], "routes missing from the permissions table"


def test_every_row_names_a_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted((TABLE.keys() | EXEMPT.keys()) - endpoints) == [], "table rows for routes that no longer exist"


def test_table_is_well_formed(app):
    problems = []
    for rule in _routes(app):
        row = TABLE.get(rule.endpoint)
        if row is None:
            continue
        rows = {m: row for m in _methods(rule)} if isinstance(row, str) else row
        if set(rows) != set(_methods(rule)):
            problems.append(f"{rule.endpoint}: methods {sorted(rows)} ≠ route's {_methods(rule)}")
        for method, cells in rows.items():
            if len(cells.split()) != len(ROLES) or not set(cells.split()) <= CODES.keys():
                problems.append(f"{rule.endpoint} {method}: {cells!r}")
    for endpoint, role, method in HOLES:
        if endpoint not in TABLE or role not in ROLES:
            problems.append(f"hole {endpoint} {role} {method}: unknown endpoint or role")
    for endpoint in DESTRUCTIVE:
        if endpoint not in TABLE:
            problems.append(f"DESTRUCTIVE names {endpoint}, which has no row")
    assert problems == []


@pytest.mark.parametrize("role", list(ROLES))
def test_permission_table(app, client, demo, role):
    walk = Walk(client, role)
    wrong = []
    for rule, method in _walk_order(app):
        if (rule.endpoint, role, method) in HOLES:
            continue
        expected = _expected(rule.endpoint, role, method)
        got, status = walk.outcome(rule, method)
        if got != expected:
            wrong.append(f"{method:4} {rule.endpoint:32} expected {expected}, got {got} ({status}) {walk.url(rule)}")
    assert wrong == [], f"{role}:\n" + "\n".join(wrong)


if HOLES:  # defined only while there is a known hole, so that an empty table adds no skipped test

    @pytest.mark.parametrize(
        ("endpoint", "role", "method"),
        [pytest.param(*cell, marks=pytest.mark.xfail(strict=True, reason=why)) for cell, why in HOLES.items()],
    )
    def test_known_hole(app, client, demo, endpoint, role, method):
        walk = Walk(client, role)
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and method in r.methods)
        assert walk.outcome(rule, method)[0] == _expected(endpoint, role, method)
