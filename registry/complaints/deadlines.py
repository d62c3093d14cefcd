"""Reminders of complaint deadlines (working days, rules.current_due): the handling department 1 working
day before the 受理 or reply deadline and once it has passed; the office of its jurisdiction once it has
passed, and 1 working day before and once past its own deadline to review a reopened complaint.
Every notice has a dedupe key naming the complaint, the deadline and the step, so that an hourly rerun
tells nobody twice and a new deadline (a transfer, an extension, a redo) reminds again."""

from datetime import date, timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import or_, select

from registry.complaints import rules
from registry.complaints.models import Complaint, ComplaintState
from registry.core.timezone import local_now, local_today
from registry.extensions import db
from registry.jobs import runner
from registry.notify import notify, path_for

SOON = 1  # working days before the deadline
# Overdue notices only for deadlines passed at most this long ago (an upgrade tells nobody of old ones).
OVERDUE_WINDOW = timedelta(days=31)
REMIND_HOURS = range(8, 20)  # Beijing office hours, as registry/reports/deadlines.py
STEPS = {ComplaintState.NEW: "accept", ComplaintState.ACCEPTED: "reply", ComplaintState.REOPENED: "review"}


def send_complaint_reminders(today: date | None = None) -> int:
    """Tell the handling departments (and, once overdue, the offices) of the open complaints whose
    deadline is 1 working day away or past. Returns the number of notices made."""
    from registry.notify.receivers import department_users, office_users

    today = today or local_today()
    horizon = today + timedelta(days=14)  # 1 working day ahead is never further than a long holiday
    complaints = db.session.scalars(
        select(Complaint)
        .where(
            or_(
                (Complaint.state == ComplaintState.NEW)
                & (Complaint.accept_due <= horizon)
                & (Complaint.accept_due >= today - OVERDUE_WINDOW),
                (Complaint.state == ComplaintState.ACCEPTED)
                & (Complaint.reply_due <= horizon)
                & (Complaint.reply_due >= today - OVERDUE_WINDOW),
                # the office's review: due from the day it was reopened (rules.current_due); few at a time
                Complaint.state == ComplaintState.REOPENED,
            )
        )
        .order_by(Complaint.id)
    ).all()
    made = 0
    with force_locale("zh"):  # notices are stored as written, in Chinese
        for complaint in complaints:
            due = rules.current_due(complaint)
            if due is None or not today - OVERDUE_WINDOW <= due <= horizon:
                continue
            step = STEPS[complaint.state]
            department = complaint.department
            url = path_for("complaints.show", complaint_id=complaint.id)
            what = {"accept": gettext("受理"), "reply": gettext("答复"), "review": gettext("复核")}[step]
            key = f"complaint:{complaint.id}:{step}:{due.isoformat()}"
            # The office reviews a reopened complaint; the department does the rest.
            if step == "review":
                soon_users = overdue_users = office_users(department.jurisdiction_id)
                office = []
            else:
                soon_users = overdue_users = department_users(department.id)
                office = office_users(department.jurisdiction_id)
            if due >= today:
                if rules.working_days_left(complaint, today) > SOON:
                    continue
                made += len(
                    notify(
                        soon_users,
                        "complaint_due",
                        gettext("举报 #%(id)s 的%(what)s期限将于 %(date)s 届满", id=complaint.id, what=what, date=due),
                        body=gettext(
                            "举报 #%(id)s（%(place)s）须在 %(date)s 前%(what)s。",
                            id=complaint.id,
                            place=complaint.place,
                            date=due,
                            what=what,
                        ),
                        url=url,
                        dedupe_key=f"{key}:soon",
                    )
                )
                continue
            title = gettext("举报 #%(id)s 已逾期未%(what)s（期限 %(date)s）", id=complaint.id, what=what, date=due)
            if step == "review":
                body = gettext(
                    "举报人不满意的举报 #%(id)s（%(place)s，承办部门：%(department)s）已超过复核期限 %(date)s，"
                    "请尽快复核。",
                    id=complaint.id,
                    place=complaint.place,
                    department=department.name,
                    date=due,
                )
            else:
                body = gettext(
                    "%(department)s承办的举报 #%(id)s（%(place)s）已超过%(what)s期限 %(date)s，请尽快办理。",
                    department=department.name,
                    id=complaint.id,
                    place=complaint.place,
                    what=what,
                    date=due,
                )
            made += len(notify(overdue_users, "complaint_due", title, body=body, url=url, dedupe_key=f"{key}:overdue"))
            made += len(notify(office, "complaint_due", title, body=body, url=url, dedupe_key=f"{key}:office"))
    return made


@runner.periodic("complaint_reminders", every=timedelta(hours=1))
def complaint_reminders() -> None:
    if local_now().hour in REMIND_HOURS:
        send_complaint_reminders()
