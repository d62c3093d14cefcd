"""Demo of the ledgers (issue #18): 示例省's ledger of the second central inspection round's feedback
(30 tasks led by the province's departments), imported through the ledger import from its XLSX
(registry/supervision/sample_ledger.province_workbook, read by import_sheet.plan_sheet and applied by
import_sheet.apply_sheet, as the import views do); 江川市's 年度重点任务 (3 tasks; 江川市's inspection ledger
is the one the journey imports, sample_ledger.demo_workbook, so it is not made here); and 示例省's
published monthly bulletin for last month.

The tasks are in every state: open and on track, open and overdue, stalled (no report last month),
decomposed to units, a lead's reminder and report about a cooperating department (§7), closure being
certified (省生态环境厅 is the province's 认定部门) and certified, sent back, on public notice (its
objection window open whenever the demo is loaded, one objection waiting for the office), closed, and
closed then reopened (反弹); with monthly progress reports of the lead and cooperating departments over
five months and 督办 at each level (提醒, 督办, 约谈; one overdue and unanswered).

Each step goes through its service (registry/supervision/services.py, import_sheet.py, progress.py,
decomposition.py, supervise.py, closure.py) by the demo's users, given the step's own day as `today`
where it takes one; then what the step stamped with the time of loading is given the step's past time
(its timeline events, audit entries, notices and files, and the row's own time columns), as
registry/demo/complaints does. Days count back from today (local_today), and so do the deadlines the
file is written with, so that what is overdue stays overdue and the notice stays open whenever the demo
is loaded. Idempotent: a ledger whose title exists is not made again.
"""

import contextlib
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import case, func, select, update

from registry.auth.models import User
from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.core.timezone import display_timezone, local_today
from registry.extensions import db
from registry.jobs.models import Job
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department, Unit
from registry.lists.services import resolve_department
from registry.notify.models import Notification
from registry.supervision import (
    bulletin,
    closure,
    decomposition,
    import_sheet,
    progress,
    sample_ledger,
    services,
    supervise,
)
from registry.supervision.models import (
    Bulletin,
    BulletinState,
    ClosureNotice,
    Ledger,
    Objection,
    SourceKind,
    Task,
    TaskEvent,
    TaskFile,
)

PROVINCE, JIANGCHUAN = "990000", "990100"
PROVINCE_LEDGER = sample_ledger.PROVINCE_TITLE
SOURCE_TITLE = "第二轮中央生态环境保护督察"
JIANGCHUAN_LEDGER = "江川市2026年度生态环境保护重点任务"
READ_AFTER = timedelta(days=7)
STAMPED = (
    (AuditEntry, "at"),
    (TaskEvent, "at"),
    (TaskFile, "created_at"),
    (Notification, "created_at"),
)


def _utc(day: date, hhmm: str = "10:00") -> datetime:
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=display_timezone()).astimezone(UTC)


def _months_back(today: date, n: int) -> date:
    """The first day of the month n months before today's."""
    year, month = today.year, today.month - n
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


class _Demo:
    def __init__(self) -> None:
        self.today = local_today()
        self.now = datetime.now(UTC)
        self.users = {u.username: u for u in db.session.scalars(select(User))}
        self.marks: tuple[int, ...] | None = None  # the stamped tables' newest ids before the first step
        self.steps: list[tuple[tuple[int, ...], datetime]] = []  # each step's newest ids after it, its time

    def user(self, name: str) -> User:
        return self.users[name]

    def day(self, months_back: int, day: int) -> date:
        """Day `day` of the month `months_back` months ago; never today or later (a step is past)."""
        start = _months_back(self.today, months_back)
        found = start + timedelta(days=day - 1)
        if found >= self.today:
            raise ValueError(f"demo ledger step on {found} is not in the past")
        return found

    def _marks(self) -> tuple[int, ...]:
        """The newest id of each stamped table (one query)."""
        row = db.session.execute(select(*(select(func.max(m.id)).scalar_subquery() for m, _c in STAMPED))).one()
        return tuple(value or 0 for value in row)

    def step(self, when: date, service: Callable[[], Any], hhmm: str = "10:00") -> Any:
        """Take the step through its service and note the step's past time for what it made: the events,
        audit entries, files and notices (`settle` writes the times; the caller sets the row's own time
        columns)."""
        if self.marks is None:
            self.marks = self._marks()
        result = service()
        db.session.flush()
        self.steps.append((self._marks(), _utc(when, hhmm)))
        return result

    def settle(self) -> None:
        """Give every step's rows its time: one UPDATE a table (a CASE over the steps' id ranges)."""
        if not self.steps:
            return
        first = self.marks
        for index, (model, column) in enumerate(STAMPED):
            ranges = [(marks[index], at) for marks, at in self.steps]
            if ranges[-1][0] <= first[index]:
                continue
            span = (model.id > first[index]) & (model.id <= ranges[-1][0])
            db.session.execute(
                update(model).where(span).values({column: case(*((model.id <= m, at) for m, at in ranges))}),
                execution_options={"synchronize_session": False},
            )
            if model is Notification:
                # Read two hours after, when more than a week ago; the newer ones stay unread.
                read = [(m, at + timedelta(hours=2) if self.now - at > READ_AFTER else None) for m, at in ranges]
                db.session.execute(
                    update(Notification)
                    .where(span)
                    .values(read_at=case(*((Notification.id <= m, at) for m, at in read), else_=None)),
                    execution_options={"synchronize_session": False},
                )
        db.session.expire_all()
        self.marks, self.steps = None, []


def _department(jurisdiction: Jurisdiction, name: str) -> Department:
    """By full or short name, as the demo's users name their departments."""
    found = resolve_department(jurisdiction, name)
    if found is None:
        raise ValueError(f"demo department {name} missing")
    return found


def _unit(department: Department, name: str, actor: User) -> Unit:
    found = db.session.scalar(select(Unit).where(Unit.department_id == department.id, Unit.name == name))
    return found or decomposition.add_unit(department, name=name, actor=actor)


# -- the steps of a task --------------------------------------------------------------------------------


class _Task:
    def __init__(self, demo: _Demo, task: Task, office: User):
        self.demo, self.t, self.office = demo, task, office

    @classmethod
    def create(cls, demo: _Demo, ledger: Ledger, created: date, data: services.TaskData, office: User) -> "_Task":
        made = demo.step(created, lambda: services.create_task(ledger, data, actor=office), "09:30")
        made.created_at = _utc(created, "09:30")
        return cls(demo, made, office)

    def report(self, months_back: int, day: int, username: str, percent: int | None, text: str, **kw) -> "_Task":
        user = self.demo.user(username)
        when = self.demo.day(months_back, day)
        month = _months_back(self.demo.today, months_back)
        row = self.demo.step(
            when,
            lambda: progress.report_progress(
                self.t,
                department=user.department,
                status=kw.get("status", "on_track"),
                text=text,
                percent=percent,
                milestone=kw.get("milestone", ""),
                month=month,
                actor=user,
                today=when,
            ),
            "16:20",
        )
        row.reported_at = _utc(when, "16:20")
        if user.department_id == self.t.lead_department_id:
            self.t.last_progress_at = row.reported_at
        return self

    def reports(self, username: str, rows: tuple, day: int = 20) -> "_Task":
        """The lead's monthly reports: (months back, percent, text[, status])."""
        for back, percent, text, *status in rows:
            self.report(back, day, username, percent, text, status=status[0] if status else "on_track")
        return self

    def decompose(self, months_back: int, day: int, username: str, unit: str, person: str, post: str, work: str):
        user = self.demo.user(username)
        when = self.demo.day(months_back, day)
        u = _unit(user.department, unit, user)
        row = self.demo.step(
            when,
            lambda: decomposition.decompose_task(self.t, u, person=person, post=post, work=work, actor=user),
        )
        row.created_at = _utc(when)
        return self

    def supervise(self, months_back: int, day: int, level: str, text: str, number: str = "", answer=None):
        """A 督办 issued on that day; `answer` (days later, text) if the department answered it."""
        when = self.demo.day(months_back, day)
        s = self.demo.step(
            when,
            lambda: supervise.issue_supervision(
                self.t, level=level, text=text, number=number, actor=self.office, today=when
            ),
            "11:00",
        )
        s.issued_at = _utc(when, "11:00")
        if answer:
            later, reply = answer
            answered_on = when + timedelta(days=later)
            head = next(
                u for u in self.demo.users.values() if u.department_id == s.department_id and u.role == "dept_head"
            )
            self.demo.step(answered_on, lambda: supervise.answer_supervision(s, answer=reply, actor=head), "15:00")
            s.answered_at = _utc(answered_on, "15:00")
        return self

    def remind(self, months_back: int, day: int, username: str, department: str, note: str) -> "_Task":
        """The lead reminds a cooperating department (§7)."""
        user = self.demo.user(username)
        other = _department(self.t.jurisdiction, department)
        when = self.demo.day(months_back, day)
        self.demo.step(when, lambda: progress.remind_cooperating(self.t, other, note=note, actor=user), "10:40")
        return self

    def escalate(self, months_back: int, day: int, username: str, department: str, reason: str) -> "_Task":
        """The lead reports a cooperating department that does not deliver to the office."""
        user = self.demo.user(username)
        other = _department(self.t.jurisdiction, department)
        when = self.demo.day(months_back, day)
        self.demo.step(when, lambda: progress.escalate(self.t, other, reason=reason, actor=user), "17:10")
        return self

    def apply(self, when: date, username: str, statement: str) -> ClosureNotice:
        user = self.demo.user(username)
        c = self.demo.step(when, lambda: closure.apply_closure(self.t, statement=statement, actor=user), "14:00")
        c.applied_at = _utc(when, "14:00")
        return c

    def sign(self, c: ClosureNotice, when: date, username: str, note: str = "") -> None:
        user = self.demo.user(username)
        signoff = self.demo.step(
            when, lambda: closure.sign(c, user.department, approve=True, note=note, actor=user), "10:30"
        )
        signoff.signed_at = _utc(when, "10:30")

    def notice(self, c: ClosureNotice, when: date, public_text: str) -> None:
        self.demo.step(
            when, lambda: closure.start_notice(c, public_text=public_text, actor=self.office, today=when), "09:00"
        )

    def objection(self, c: ClosureNotice, when: date, text: str, name: str, phone: str) -> Objection:
        """A person's objection through the public page (moderated by the office)."""
        o = self.demo.step(
            when,
            lambda: closure.submit_objection(c, text=text, name=name, phone=phone, email="", today=when),
            "20:15",
        )
        o.received_at = _utc(when, "20:15")
        return o

    def handle(self, o: Objection, when: date, note: str, upheld: bool = False) -> None:
        self.demo.step(when, lambda: closure.handle_objection(o, upheld=upheld, note=note, actor=self.office), "11:30")
        o.handled_at = _utc(when, "11:30")

    def close(self, c: ClosureNotice, when: date, note: str = "公示期满无异议，同意销号。") -> None:
        self.demo.step(when, lambda: closure.close_task(c, note=note, actor=self.office, today=when), "16:00")
        c.decided_at = self.t.closed_at = _utc(when, "16:00")

    def send_back(self, c: ClosureNotice, when: date, note: str) -> None:
        self.demo.step(when, lambda: closure.send_back(c, note=note, actor=self.office), "16:30")
        c.decided_at = _utc(when, "16:30")

    def reopen(self, months_back: int, day: int, reason: str) -> None:
        when = self.demo.day(months_back, day)
        self.demo.step(when, lambda: closure.reopen(self.t, reason=reason, actor=self.office), "10:00")


def _data(
    departments: dict[str, Department], number, problem, target, measures, lead, coop, person, post, due, phase=None
):
    return services.TaskData(
        number=number,
        problem=problem,
        target=target,
        measures=measures,
        lead_department=departments[lead],
        cooperating=[departments[c] for c in coop],
        responsible_person=person,
        responsible_post=post,
        due_date=due,
        phase=phase,
    )


# -- 示例省: the inspection ledger, imported ---------------------------------------------------------------


def _import(demo: _Demo, province: Jurisdiction, office: User, when: date) -> dict[str, _Task]:
    """The office imports its ledger file as the import views do (import_sheet.plan_sheet, a new ledger
    named by the file's title row, import_sheet.apply_sheet), on `when`; the tasks by their 序号."""
    plan = import_sheet.plan_sheet(
        province, sample_ledger.province_workbook(demo.today), sample_ledger.PROVINCE_FILENAME
    )
    if not plan.ok:
        problems = plan.file_error or "; ".join(f"{r.row}: {', '.join(map(str, r.errors))}" for r in plan.bad_rows)
        raise ValueError(f"the demo's province ledger does not import: {problems}")

    def apply() -> tuple[Ledger, list[Task]]:
        ledger = services.create_ledger(
            province,
            title=plan.title,
            source_kind=SourceKind.INSPECTION,
            source_title=SOURCE_TITLE,
            actor=office,
        )
        return ledger, import_sheet.apply_sheet(ledger, plan, actor=office)

    ledger, made = demo.step(when, apply, "09:00")
    ledger.created_at = _utc(when, "09:00")
    for task in made:
        task.created_at = _utc(when, "09:00")
    return {task.number: _Task(demo, task, office) for task in made}


# The lead's monthly reports of the tasks that simply go on (months back, percent, text[, status]).
REPORTS: dict[str, tuple[str, tuple]] = {
    "13": (
        "sthj_editor",
        (
            (3, 25, "制定全省重点行业超低排放改造计划，明确28家钢铁、水泥、焦化企业的改造时限。"),
            (2, 40, "9家企业完成有组织排放改造，正在开展无组织排放治理。"),
            (1, 55, "14家企业完成改造并通过评估监测，其余企业按计划施工。"),
        ),
    ),
    "14": (
        "jtt_head",
        (
            (3, 30, "完成全省港口船舶污染物接收设施排查，新建接收设施12处。"),
            (2, 50, "接收、转运、处置联单制度在8个主要港口试行。"),
            (1, 70, "联单制度在全省港口全面推行，开展船舶污染专项执法检查46次。"),
        ),
    ),
    "16": (
        "nync_head",
        (
            (3, 20, "推广测土配方施肥技术，完成有机肥替代化肥示范县建设方案。"),
            (2, 35, "秋播化肥使用量同比下降2.1%，病虫害统防统治覆盖率达到45%。"),
            (1, 50, "设立农田退水监测点位60个，第一期监测数据已汇总分析。"),
        ),
    ),
    "17": (
        "nync_head",
        (
            (3, 25, "完成已建农村生活污水治理设施运行情况摸底，共2318座，其中不正常运行416座。"),
            (2, 40, "已修复不正常运行设施187座，8个县建立县域统一运维机制。"),
            (1, 55, "已修复设施302座，农村生活污水治理率提升至36%。"),
        ),
    ),
    "20": (
        "sthj_head",
        (
            (3, 30, "完成2100家危险废物产生单位专项排查，发现问题318个，已整改241个。"),
            (2, 45, "危险废物全过程信息化监管平台上线试运行。"),
            (1, 60, "联合公安机关侦办非法转移倾倒危险废物案件9起，移送涉嫌犯罪人员23名。"),
        ),
    ),
    "22": (
        "zrzyt_editor",
        (
            (3, 30, "“绿盾”强化监督发现自然保护区内问题43个，已整改18个。"),
            (2, 45, "依法退出保护区内矿业权7宗，正在实施生态修复。"),
            (1, 60, "已整改问题31个，退出矿业权11宗，修复面积1.2万亩。"),
        ),
    ),
    "23": (
        "zrzyt_editor",
        (
            (3, 20, "完成年度卫片执法检查，发现违法占用耕地图斑1026个。"),
            (2, 35, "已拆除复垦违法占地图斑412个，生态保护红线监管平台完成招标。"),
            (1, 50, "已拆除复垦图斑680个，监管平台开始数据录入。"),
        ),
    ),
    "24": (
        "slt_head",
        (
            (3, 20, "坡耕地和侵蚀沟综合治理工程全部开工。"),
            (2, 30, "新增水土流失治理面积360平方公里。"),
            (1, 40, "新增治理面积480平方公里，开展生产建设项目水土保持监督检查210个。"),
        ),
    ),
    "25": (
        "slt_head",
        (
            (3, 30, "关停超采区自备井186眼，实施水源置换工程3处。"),
            (2, 45, "新增高效节水灌溉面积12万亩。"),
            (1, 60, "关停自备井累计312眼，超采区地下水水位降幅收窄。"),
        ),
    ),
    "26": (
        "jtt_head",
        (
            (3, 20, "编制大宗货物运输企业清单，建设铁路专用线项目5个。"),
            (2, 30, "2条铁路专用线建成投用，多式联运示范工程通过中期评估。"),
            (1, 40, "大宗货物铁路和水路运输比例较基准年提高4.2个百分点。"),
        ),
    ),
    "27": (
        "sthj_editor",
        (
            (3, 35, "完成重点流域入河排污口排查，共排查排污口4862个。"),
            (2, 50, "完成排污口监测和溯源，按“一口一策”制定整治方案。"),
            (1, 65, "已整治排污口2907个，入河排污口监管台账建立完成。"),
        ),
    ),
    "28": (
        "nync_head",
        (
            (3, 25, "编制完成养殖水域滩涂规划，划定禁养区、限养区。"),
            (2, 40, "清理禁养区内养殖网箱1.6万平方米。"),
            (1, 55, "规模养殖场尾水生态化治理完成62家。"),
        ),
    ),
    "29": (
        "zjt_head",
        (
            (3, 30, "规划建设建筑垃圾消纳场14处，已开工9处。"),
            (2, 45, "建筑垃圾运输车辆全部纳入全过程监控平台。"),
            (1, 60, "新建消纳场6处投入使用，查处乱堆乱倒案件57起。"),
        ),
    ),
}


def _province(demo: _Demo, province: Jurisdiction) -> None:
    office = demo.user("province_office")
    start = demo.day(5, 3)  # the ledger: five months ago
    tasks = _import(demo, province, office, start)
    sthj = _department(province, "省生态环境厅")
    # 省生态环境厅 certifies every closure (认定部门), besides the lead.
    demo.step(
        start,
        lambda: services.save_settings(
            province,
            objection_days=15,
            progress_day=25,
            remind_days=3,
            answer_days=5,
            certifier_ids=[sthj.id],
            actor=office,
        ),
        "09:10",
    )
    today = demo.today
    day = demo.day

    for number, (username, rows) in REPORTS.items():
        tasks[number].reports(username, rows)

    # 1. Open, on track, reported every month, cooperating departments' input, decomposed to a unit.
    t = tasks["1"]
    t.decompose(5, 8, "zjt_head", "城市建设处", "王磊", "处长", "牵头组织黑臭水体排查整治和管网建设调度。")
    t.reports(
        "zjt_head",
        (
            (4, 15, "完成全省黑臭水体排查“回头看”，发现返黑返臭水体6条，已建立整治清单。"),
            (3, 30, "6条返黑返臭水体整治方案全部批复，4个管网改造项目开工。"),
            (2, 45, "完成雨污分流改造管网42公里，2条水体水质已达标。"),
            (1, 60, "累计完成管网改造68公里，4条水体消除黑臭，正在开展水质跟踪监测。"),
        ),
    )
    t.report(1, 18, "sthj_editor", None, "按月开展返黑返臭水体水质监测，监测数据已提供给住房城乡建设厅。")
    t.report(1, 19, "slt_head", None, "已完成相关河道清淤疏浚12公里，配合做好生态补水。")

    # 2. Open and overdue (its deadline passed last month): a 提醒 and a 督办, both answered.
    t = tasks["2"]
    t.report(4, 21, "nync_head", 20, "制定秸秆综合利用实施方案，下达收储运体系建设补助资金。")
    t.report(3, 22, "nync_head", 35, "新建秸秆收储中心8个，但秋收期间仍发现火点23个。", status="behind")
    t.report(2, 20, "nync_head", 45, "秋收火点较去年下降40%，综合利用率测算为86%，未达目标。", status="behind")
    t.report(2, 19, "sthj_editor", None, "卫星遥感监测发现火点23个，已逐一推送属地核查。")
    t.supervise(
        2,
        24,
        "remind",
        "秸秆综合利用率仍低于目标，请加快收储运体系建设，并报送下一步计划。",
        answer=(3, "已召开全省秸秆禁烧和综合利用调度会，逐市明确任务。"),
    )
    t.supervise(
        1,
        12,
        "supervise",
        "该任务已超过整改时限仍未完成，请于5个工作日内书面报告未完成原因和整改计划。",
        number=f"示督改督〔{day(1, 12).year}〕7号",
        answer=(4, "已制定补救方案，计划于明年3月前完成秸秆综合利用率目标。"),
    )
    t.report(1, 21, "nync_head", 55, "综合利用率提升至88%，仍在推进饲料化、基料化利用项目。", status="behind")

    # 3. Stalled: no report last month; a 提醒 whose answer is overdue and still not given.
    t = tasks["3"]
    t.report(4, 22, "zrzyt_editor", 10, "完成尾矿库底数摸排，共排查尾矿库37座。")
    t.report(3, 23, "zrzyt_editor", 20, "完成37座尾矿库环境风险分级，其中高风险5座。")
    t.report(2, 24, "zrzyt_editor", 25, "5座高风险尾矿库整治方案编制中。", status="behind")
    t.supervise(1, 14, "remind", "该任务整改进度滞后，请加快推进，并按时报送每月整改进展。")

    # 4. Applied for closure; 省生态环境厅 has not signed yet (certifying).
    t = tasks["4"]
    t.reports(
        "slt_head",
        (
            (3, 40, "排查河湖“四乱”问题126处，已整改83处。"),
            (2, 75, "已整改118处，违法建筑拆除进入收尾。"),
            (1, 100, "126处问题全部整改完成，违法建筑全部拆除。", "done"),
        ),
    )
    t.apply(day(1, 26), "slt_head", "126处河湖“四乱”问题已全部整改到位，违法建筑全部拆除，经现场复核无反弹。")

    # 5. On public notice now, its window open whatever day the demo is loaded, an objection waiting for
    # the office (the lead is the 认定部门 itself: no sign-off).
    t = tasks["5"]
    t.decompose(5, 10, "sthj_head", "水生态环境处", "何静", "处长", "组织水源保护区违法项目排查、整治和验收。")
    t.reports(
        "sthj_head",
        (
            (3, 50, "排查发现违法建设项目14个，已关闭拆除7个。"),
            (2, 85, "已关闭拆除13个，剩余1个正在司法程序中。"),
            (1, 100, "14个违法建设项目全部关闭拆除，水源地规范化建设完成。", "done"),
        ),
        day=19,
    )
    c = t.apply(
        today - timedelta(days=6), "sthj_head", "14个违法建设项目全部关闭拆除，并完成水源地标志设置和隔离防护。"
    )
    t.notice(
        c,
        today - timedelta(days=3),
        "部分县级集中式饮用水水源保护区内违法建设项目问题，经牵头部门整改、认定部门认定，已完成整改，现予公示。",
    )
    t.objection(
        c,
        today - timedelta(days=1),
        "我是清河县水源地附近的村民，保护区二级区内的一家农家乐仍在营业，生活污水排进沟渠，请核实后再销号。",
        "王建平",
        "13907310000",
    )

    # 6. Closed last month (its notice ended before).
    t = tasks["6"]
    t.report(4, 20, "jtt_head", 40, "联合公安、生态环境部门开展路检路查，抽检柴油货车3200辆。")
    t.report(3, 20, "jtt_head", 100, "机动车排放检验与维修治理（I/M）闭环全面运行。", status="done")
    c = t.apply(day(3, 24), "jtt_head", "I/M闭环制度已全面运行，超标车辆维修复检合格率98%。")
    t.sign(c, day(3, 27), "sthj_head", "经核查，整改到位，同意销号。")
    t.notice(c, day(2, 2), "重型柴油货车尾气超标排放问题已完成整改，现予公示。")
    t.close(c, day(1, 6))

    # 7. Closed, then reopened last month (反弹): its closure and history kept.
    t = tasks["7"]
    t.report(4, 20, "nync_head", 100, "粪污直排的112家养殖场全部完成整治。", status="done")
    c = t.apply(day(4, 23), "nync_head", "112家养殖场全部配套粪污处理设施，直排问题全部整改。")
    t.sign(c, day(4, 26), "sthj_head", "同意销号。")
    t.notice(c, day(3, 1), "规模以下畜禽养殖场粪污直排问题已完成整改，现予公示。")
    t.close(c, day(3, 20))
    t.reopen(1, 14, "群众反映清河镇两家养殖场粪污再次直排入河，经现场核查属实，问题反弹，重新整改。")
    t.report(1, 24, "nync_head", 60, "已责令两家养殖场停产整治，举一反三开展全面复查。")

    # 8. Open, on track, decomposed to two units (§8).
    t = tasks["8"]
    t.decompose(5, 9, "zrzyt_editor", "国土空间生态修复处", "钱文", "处长", "统筹废弃矿山生态修复工程实施。")
    t.decompose(5, 9, "zrzyt_editor", "省地质环境监测总站", "郑亮", "站长", "开展修复成效监测评估。")
    for back, pct in ((4, 10), (3, 20), (2, 30), (1, 40)):
        t.report(back, 21, "zrzyt_editor", pct, f"累计完成修复面积{pct / 40:.2f}万亩，工程按计划推进。")

    # 9. Closed two months ago; an objection during its notice, found groundless.
    t = tasks["9"]
    t.report(4, 20, "zjt_head", 100, "全省在建工地全部安装扬尘在线监测，专项检查整改问题工地215个。", status="done")
    c = t.apply(day(4, 22), "zjt_head", "全省在建工地“六个百分之百”落实到位，扬尘在线监测全覆盖。")
    t.sign(c, day(4, 25), "sthj_head", "同意销号。")
    t.notice(c, day(3, 2), "建筑施工扬尘管控问题已完成整改，现予公示。")
    o = t.objection(
        c, day(3, 5), "城东新区某工地夜间施工，渣土车未覆盖，扬尘很大，整改不到位。", "李女士", "13807310000"
    )
    t.handle(o, day(3, 9), "经现场核查，该工地已落实围挡、覆盖、冲洗等措施，渣土车辆已全部密闭运输，异议不成立。")
    t.close(c, day(2, 5), "公示期满，异议经核查不成立，同意销号。")

    # 10. Open, behind, due at the end of this month; a 督办 and a 约谈 last month, both answered.
    t = tasks["10"]
    t.report(4, 20, "sthj_head", 20, "完成全省化工园区污水处理设施排查。")
    t.report(3, 20, "sthj_head", 30, "“一企一管”改造完成23家，进度滞后。", status="behind")
    t.report(2, 20, "sthj_head", 40, "改造完成35家，资金缺口较大。", status="behind")
    t.supervise(
        2,
        23,
        "supervise",
        "该任务连续两个月进度滞后，请书面报告原因和措施。",
        answer=(2, "已申请省级专项资金，倒排工期推进。"),
    )
    t.supervise(
        1,
        9,
        "interview",
        "约谈省生态环境厅分管负责同志，要求限期完成化工园区污水治理。",
        number=f"示督改约〔{day(1, 9).year}〕2号",
        answer=(1, "已成立工作专班，每周调度，确保按期完成。"),
    )
    t.report(1, 20, "sthj_head", 65, "改造完成58家，剩余12家正在施工。", status="behind")
    t.report(1, 18, "zjt_head", None, "配合完成园区外污水管网接驳3.2公里。")

    # 11. 省发改委 has reported nothing since the import: stalled, on the office's 工作台 to 督办.

    # 12. Closed three months after the import (立行立改).
    t = tasks["12"]
    t.report(4, 20, "sthj_head", 100, "排查“散乱污”企业1357家，关停取缔862家，整改提升495家，全部完成。", status="done")
    c = t.apply(day(4, 22), "sthj_head", "“散乱污”企业全部完成分类整治，取缔类企业“两断三清”到位，建立动态管理台账。")
    t.notice(c, day(3, 10), "“散乱污”企业整治不彻底问题已完成整改，现予公示。")
    t.close(c, day(2, 8))

    # 15. Behind: the lead reminded 省自然资源厅 and then reported it to the office (§7).
    t = tasks["15"]
    t.reports(
        "slt_head",
        (
            (3, 30, "开展河道采砂专项整治，查处非法采砂案件17起。"),
            (2, 40, "到期采矿权清理进展缓慢，影响受损河段修复。", "behind"),
            (1, 45, "受损河段修复方案已编制，等待采矿权清理完成后实施。", "behind"),
        ),
    )
    t.remind(2, 22, "slt_head", "省自然资源厅", "请于本月底前完成沿河到期采矿权清理，并反馈清理清单。")
    t.escalate(
        1,
        16,
        "slt_head",
        "省自然资源厅",
        "经提醒，省自然资源厅逾期仍未反馈沿河到期采矿权清理清单，受损河段生态修复无法实施，请协调推动。",
    )

    # 17, 20, 25. Decomposed to the lead's units.
    tasks["17"].decompose(
        5, 12, "nync_head", "农村社会事业促进处", "林晓", "处长", "组织已建设施排查修复和县域运维机制建设。"
    )
    tasks["20"].decompose(
        5, 11, "sthj_head", "固体废物与化学品处", "高峰", "处长", "组织危险废物专项排查和信息化监管。"
    )
    tasks["25"].decompose(5, 12, "slt_head", "水资源管理处", "罗斌", "处长", "组织超采区自备井关停和水源置换。")

    # 18. Overdue two months, behind; 省生态环境厅's input.
    t = tasks["18"]
    t.reports(
        "zjt_head",
        (
            (3, 50, "3个生活垃圾焚烧发电项目主体工程完工。"),
            (2, 70, "渗滤液处理设施提标改造完成9座，剩余4座未完成，已超过整改时限。", "behind"),
            (1, 80, "剩余4座中2座完成改造，另2座受设备供货影响，预计2个月内完成。", "behind"),
        ),
    )
    t.report(1, 17, "sthj_editor", None, "对13座填埋场渗滤液开展执法监测，2座仍超标，已督促整改。")

    # 19. Applied and certified: waiting for the office to start its notice.
    t = tasks["19"]
    t.reports(
        "zjt_head",
        (
            (3, 60, "新建污泥无害化处置设施3处，清理随意堆放点位21个。"),
            (2, 85, "污泥转运联单制度全面推行。"),
            (1, 100, "污泥无害化处置率达到96.3%，随意堆放点位全部清理。", "done"),
        ),
    )
    c = t.apply(day(1, 22), "zjt_head", "污泥无害化处置率达到96.3%，转运联单制度全面运行，堆放点位全部清理到位。")
    t.sign(c, day(1, 27), "sthj_editor", "经抽查核实，同意销号。")

    # 21. Applied, sent back by the office (佐证不足), open again and reporting.
    t = tasks["21"]
    t.report(4, 20, "sthj_head", 100, "开展自动监测数据质量专项检查，查处弄虚作假案件11起。", status="done")
    c = t.apply(day(4, 24), "sthj_head", "已完成专项检查并依法查处弄虚作假案件，整改完成。")
    t.send_back(
        c,
        day(3, 8),
        "经抽查，仍有3家重点排污单位自动监测数据有效传输率不达标，第三方运维机构信用评价制度尚未建立，退回继续整改。",
    )
    t.reports(
        "sthj_head",
        (
            (3, 80, "3家传输率不达标单位完成设备更换。"),
            (2, 85, "第三方运维机构信用评价办法征求意见。"),
            (1, 90, "信用评价办法印发实施，重点排污单位数据有效传输率达到92%。"),
        ),
    )

    # 27. 省水利厅's input besides the lead's reports.
    tasks["27"].report(1, 18, "slt_head", None, "配合开展入河排污口所在河段水文资料核查。")

    # 30. A long-term task reported by its milestones.
    t = tasks["30"]
    t.report(2, 20, "sthj_editor", 30, "完成全省重污染天气应急减排清单修订，纳入企业5126家。", milestone="清单修订完成")
    t.report(1, 20, "sthj_editor", 40, "应急期间开展执法检查，查处未落实减排措施企业14家。", milestone="冬季执法检查")


def _jiangchuan(demo: _Demo, city: Jurisdiction) -> None:
    office = demo.user("jiangchuan_office")
    names = ["江川市生态环境局", "江川市住房和城乡建设局", "江川市农业农村局", "江川市水利局"]
    d = {n: _department(city, n) for n in names}
    start = demo.day(4, 6)
    ledger = demo.step(
        start,
        lambda: services.create_ledger(
            city,
            title=JIANGCHUAN_LEDGER,
            source_kind=SourceKind.KEY_TASKS,
            source_title="江川市2026年生态环境保护工作要点",
            description="市委、市政府确定的本年度生态环境保护重点任务。",
            actor=office,
        ),
        "09:00",
    )
    ledger.created_at = _utc(start, "09:00")

    def task(*args, **kwargs) -> _Task:
        return _Task.create(demo, ledger, start, _data(d, *args, **kwargs), office)

    t = task(
        "1",
        "完成江川河流域入河排污口排查整治。",
        "入河排污口排查整治完成率100%。",
        "溯源、监测、整治一口一策。",
        "江川市生态环境局",
        ["江川市水利局"],
        "林涛",
        "市生态环境局副局长",
        date(demo.today.year, 12, 31),
    )
    for back, pct in ((3, 30), (2, 55), (1, 80)):
        t.report(back, 20, "jcsthjj_head", pct, f"入河排污口整治完成{pct}%。")
    t = task(
        "2",
        "建成区老旧小区雨污分流改造。",
        "完成20个老旧小区雨污分流改造。",
        "分批实施，年底前完成。",
        "江川市住房和城乡建设局",
        ["江川市生态环境局"],
        "黄志明",
        "市住房和城乡建设局副局长",
        demo.day(1, 15),
    )
    for back, pct in ((3, 20), (2, 40), (1, 55)):
        t.report(
            back,
            21,
            "jczjj_head",
            pct,
            f"已完成{int(pct / 5)}个小区雨污分流改造。",
            status="behind" if back == 1 else "on_track",
        )
    t.supervise(1, 25, "remind", "该任务已超过时限，请加快推进并报送计划。")
    t = task(
        "3",
        "推进农膜回收和农药包装废弃物回收处置。",
        "农膜回收率达到85%以上。",
        "健全回收网点，落实生产者责任延伸。",
        "江川市农业农村局",
        [],
        "郭伟",
        "市农业农村局副局长",
        date(demo.today.year + 1, 3, 31),
    )
    for back, pct in ((3, 40), (2, 60)):
        t.report(back, 22, "jcnyj_head", pct, f"农膜回收率{pct + 25}%，回收网点覆盖全部乡镇。")


# -- the bulletin of last month ----------------------------------------------------------------------------


BULLETIN_TEXT = (
    "<p>{month}月，各牵头部门对照第二轮中央生态环境保护督察反馈问题整改台账，持续推进整改工作，"
    "总体进展顺利，但仍有个别任务进度滞后、逾期未完成。现将{month}月整改工作进展情况通报如下。</p>"
    "<p>请各牵头部门对逾期和进度滞后的任务倒排工期、挂图作战，按月报送整改进展；对已销号的任务加强巡查，"
    "坚决防止问题反弹。</p>"
)


def _bulletin(demo: _Demo, province: Jurisdiction) -> None:
    office = demo.user("province_office")
    last = _months_back(demo.today, 1)
    if bulletin.bulletin_for(province.id, last.year, last.month) is not None:
        return
    b = bulletin.create_bulletin(province, last.year, last.month, actor=office)
    bulletin.save_bulletin(
        b,
        actor=office,
        expected_version=b.lock_version,
        body=BULLETIN_TEXT.format(month=last.month),
        doc_number=f"示督改办〔{demo.today.year}〕{last.month}号",
    )
    compiled_on = min(_months_back(demo.today, 0) + timedelta(days=2), demo.today)
    eager = current_app.config.get("JOBS_EAGER")
    current_app.config["JOBS_EAGER"] = True  # compiled here and now, not by a thread after the commit
    try:
        job = bulletin.start_compile(b, actor=office, signed=compiled_on)
    finally:
        current_app.config["JOBS_EAGER"] = eager
    db.session.refresh(b)
    with contextlib.suppress(DomainError):  # no CJK font: it stays a draft
        bulletin.publish_bulletin(b, actor=office)
    compiled = _utc(compiled_on, "10:00")
    published = _utc(compiled_on, "15:00")
    db.session.execute(
        update(Job).where(Job.id == job.id).values(created_at=compiled, started_at=compiled, finished_at=compiled),
        execution_options={"synchronize_session": False},
    )
    values = {"created_at": compiled, "compiled_at": compiled, "updated_at": compiled}
    if b.state == BulletinState.PUBLISHED:
        values["published_at"] = published
    db.session.execute(
        update(Bulletin).where(Bulletin.id == b.id).values(values), execution_options={"synchronize_session": False}
    )
    db.session.expire(b)


def load_supervision_demo() -> None:
    """The ledgers of 示例省 and 江川市 and the province's bulletin of last month (once each)."""
    demo = _Demo()
    if "province_office" not in demo.users:
        return
    province = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == PROVINCE))
    city = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == JIANGCHUAN))
    exists = lambda j, title: db.session.scalar(  # noqa: E731
        select(Ledger.id).where(Ledger.jurisdiction_id == j.id, Ledger.title == title)
    )
    if province is not None and not exists(province, PROVINCE_LEDGER):
        _province(demo, province)
    if city is not None and not exists(city, JIANGCHUAN_LEDGER):
        _jiangchuan(demo, city)
    demo.settle()  # before the bulletin, which reads the steps' times
    if province is not None:
        _bulletin(demo, province)
    db.session.flush()
