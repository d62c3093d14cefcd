"""Who is told what: the receivers of the events in registry/core/signals.py, each turning one event
into notices (registry.notify.notify) for the people who act next, in the sender's transaction.

Recipients: the office (its office_admin users) of a jurisdiction for a matter delegated to it and a
report submitted to its government; a department's own users (its head and editors) for a report
copied to it, its own report returned or accepted, an input asked of it (cooperating) or given to it
(lead). Never the person who acted. Titles and bodies are written in the site's default language
(they are stored, and read by people other than the actor, whose language may differ).
"""

from collections.abc import Iterable

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from registry.auth.models import User
from registry.core import signals
from registry.core.permissions import DEPARTMENT_ROLES, Role
from registry.extensions import db
from registry.notify import notify, path_for

BODY_QUOTE_MAX = 500  # characters of a cooperating department's answer quoted in the notice


def office_users(jurisdiction_id: int | None) -> list[User]:
    """The active office administrators of a jurisdiction."""
    if jurisdiction_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(User.jurisdiction_id == jurisdiction_id, User.role == Role.OFFICE_ADMIN, User.active.is_(True))
            .order_by(User.id)
        )
    )


def department_users(department_id: int | None) -> list[User]:
    """The active head(s) and editors of a department."""
    if department_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(User.department_id == department_id, User.role.in_(DEPARTMENT_ROLES), User.active.is_(True))
            .order_by(User.id)
        )
    )


def _others(users: Iterable[User], actor) -> list[User]:
    actor_id = getattr(actor, "id", None)
    return [u for u in users if u.id != actor_id]


def _default_locale():
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh"))


def _excerpt(text: str, limit: int = BODY_QUOTE_MAX) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "……"


# -- §5 delegation ----------------------------------------------------------------------------------


def on_matter_delegated(matter, *, copies, actor, **_kwargs) -> None:
    """A matter was handed to lower jurisdictions: each one's office is asked to settle its copy."""
    decisions = {d.to_jurisdiction_id: d for d in matter.decisions if d.kind == "delegate"}
    with _default_locale():
        for copy in copies:
            decision = decisions.get(copy.jurisdiction_id)
            lines = [
                _(
                    "%(upper)s将事项「%(title)s」交由%(lower)s研究明确牵头部门。",
                    upper=matter.jurisdiction.name,
                    title=matter.title,
                    lower=copy.jurisdiction.name,
                )
            ]
            if decision is not None:
                basis = [decision.basis_date.isoformat()]
                if decision.basis_doc_number:
                    basis.append(decision.basis_doc_number)
                lines.append(_("依据：%(basis)s。", basis="，".join(basis)))
                if decision.note:
                    lines.append(_("说明：%(note)s", note=decision.note))
            lines.append(_("请研究明确牵头部门，或继续交由下级研究明确。"))
            notify(
                _others(office_users(copy.jurisdiction_id), actor),
                "matter_delegated",
                _("%(upper)s交由本级研究明确牵头部门：%(title)s", upper=matter.jurisdiction.name, title=matter.title),
                body="\n\n".join(lines),
                url=path_for("lists.matter", matter_id=copy.id),
            )


# -- reports ----------------------------------------------------------------------------------------


def on_report_handed_over(report, *, action, actor, note: str = "", **_kwargs) -> None:
    """A report was submitted (to the office, copied to departments), returned or accepted."""
    url = path_for("reports.report", report_id=report.id)
    department = report.department.name
    with _default_locale():
        if action == "submit":
            again = any(e.action == "return" for e in report.events)
            facts = [_("报告年度：%(year)s", year=report.cycle.year)]
            if report.doc_number:
                facts.append(_("文号：%(number)s", number=report.doc_number))
            for recipient in report.recipients:
                if recipient.recipient_role == "to":
                    notify(
                        _others(office_users(recipient.jurisdiction_id), actor),
                        "report_submitted",
                        (
                            _("%(department)s重新报送了《%(title)s》", department=department, title=report.title)
                            if again
                            else _("%(department)s报送了《%(title)s》", department=department, title=report.title)
                        ),
                        body="\n\n".join(["；".join(facts), _("请审核该报告：审核通过，或退回修改并说明原因。")]),
                        url=url,
                    )
                elif recipient.department_id is not None and recipient.department_id != report.department_id:
                    notify(
                        _others(department_users(recipient.department_id), actor),
                        "report_copied",
                        _("%(department)s抄送了《%(title)s》", department=department, title=report.title),
                        body="\n\n".join(["；".join(facts), _("该报告抄送贵部门，供了解和监督。")]),
                        url=url,
                    )
        elif action == "return":
            lines = [_("退回意见：%(comment)s", comment=note)] if note else []
            lines.append(_("请按意见修改后重新报送。"))
            notify(
                _others(department_users(report.department_id), actor),
                "report_returned",
                _("《%(title)s》被退回修改", title=report.title),
                body="\n\n".join(lines),
                url=url,
            )
        elif action == "accept":
            lines = [_("审核意见：%(comment)s", comment=note)] if note else []
            lines.append(_("部门负责人可在报告页面公开该报告。"))
            notify(
                _others(department_users(report.department_id), actor),
                "report_accepted",
                _("《%(title)s》已审核通过", title=report.title),
                body="\n\n".join(lines),
                url=url,
            )


# -- §7 cooperation ---------------------------------------------------------------------------------


def on_cooperation_requested(reminder, *, actor, **_kwargs) -> None:
    """A lead department asked a cooperating department for its input on a matter."""
    from registry.reports import cooperation

    target = cooperation.answer_place(reminder)
    title = target[1].title if target else ""
    if target is None:
        url = path_for("reports.home")
    elif target[2]:
        url = path_for("reports.edit_section", report_id=target[0].id, section_id=target[1].id)
    else:
        url = path_for("reports.report", report_id=target[0].id) + f"#s{target[1].id}"
    with _default_locale():
        lines = [
            _(
                "%(lead)s请贵部门填写「%(title)s」的配合落实情况。",
                lead=reminder.from_department.name,
                title=title,
            )
        ]
        if reminder.note:
            lines.append(_("附言：%(note)s", note=reminder.note))
        lines.append(_("请在本部门年度报告中该事项的“配合落实情况”中填写。"))
        notify(
            _others(department_users(reminder.to_department_id), actor),
            "cooperation_requested",
            _("%(lead)s请求提供配合落实情况：%(title)s", lead=reminder.from_department.name, title=title),
            body="\n\n".join(lines),
            url=url,
        )


def on_cooperation_answered(section, *, report, actor, **_kwargs) -> None:
    """A cooperating department gave its input (`section`, in its own report) on a matter `report`'s
    department leads: the lead's users are told, with a link to their section on that matter."""
    from registry.reports import cooperation
    from registry.reports.services import EDITABLE_STATES

    led = next(
        (s for s in report.sections if s.kind == "led_matter" and s.version_matter_id == section.version_matter_id),
        None,
    )
    if led is None:
        url = path_for("reports.report", report_id=report.id)
    elif report.state in EDITABLE_STATES:
        url = path_for("reports.edit_section", report_id=report.id, section_id=led.id)
    else:
        url = path_for("reports.report", report_id=report.id) + f"#s{led.id}"
    answer = "\n\n".join(cooperation.answer_paragraphs(section.cooperation))
    cooperating = section.report.department.name
    with _default_locale():
        notify(
            _others(department_users(report.department_id), actor),
            "cooperation_answered",
            _("%(department)s提供了「%(title)s」的配合落实情况", department=cooperating, title=section.title),
            body="\n\n".join(
                [_("%(department)s填写的配合落实情况：", department=cooperating), _excerpt(answer)]
                + [_("可在本部门报告的该事项中查看并引用。")]
            ),
            url=url,
        )


# -- §4 public complaints ----------------------------------------------------------------------------


def on_complaint_changed(complaint, *, event, actor, **_kwargs) -> None:
    """A step on a complaint: who acts next is told, with a link to the complaint's page (never the
    person's contact details)."""
    from registry.complaints import notices

    notices.tell(complaint, event, actor)


def on_task_changed(task, *, event, actor, **_kwargs) -> None:
    """A step on a task of a ledger: who acts next is told, with a link to the task's page."""
    from registry.supervision import notices

    notices.tell(task, event, actor)


def connect() -> None:
    """Connect the receivers (create_app) and register the e-mail job and sweep."""
    from registry.notify import mail

    signals.matter_delegated.connect(on_matter_delegated)
    signals.report_handed_over.connect(on_report_handed_over)
    signals.cooperation_requested.connect(on_cooperation_requested)
    signals.cooperation_answered.connect(on_cooperation_answered)
    signals.complaint_changed.connect(on_complaint_changed)
    signals.task_changed.connect(on_task_changed)
    mail.install_session_hooks()
