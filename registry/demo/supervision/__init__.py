"""Demo of the ledgers (issue #18): 示例省's ledger of the second central inspection round's feedback (10
tasks led by the province's departments) and 江川市's 年度重点任务 (3 tasks; 江川市's inspection ledger is
the one the journey imports, registry/supervision/sample_ledger.py, so it is not made here), and 示例省's
published monthly bulletin for last month.

The tasks are in every state: open and on track, open and overdue, stalled (no report last month),
decomposed to units, closure being certified (省生态环境厅 is the province's 认定部门), on public notice
(its objection window open whenever the demo is loaded), closed, and closed then reopened (反弹); with
monthly progress reports of the lead and cooperating departments over five months and 督办 at each level
(提醒, 督办, 约谈; one overdue and unanswered).

Each step goes through its service (registry/supervision/services.py, progress.py, decomposition.py,
supervise.py, closure.py) by the demo's users, given the step's own day as `today` where it takes one;
then what the step stamped with the time of loading is given the step's past time (its timeline events,
audit entries, notices and files, and the row's own time columns), as registry/demo/complaints does.
Days count back from today (local_today), so what is overdue stays overdue and the notice stays open
whenever the demo is loaded. Idempotent: a ledger whose title exists is not made again.
"""

import contextlib
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

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
from registry.supervision import bulletin, closure, decomposition, progress, services, supervise
from registry.supervision.models import (
    Bulletin,
    BulletinState,
    ClosureNotice,
    Ledger,
    SourceKind,
    TaskEvent,
    TaskFile,
)

PROVINCE, JIANGCHUAN = "990000", "990100"
PROVINCE_LEDGER = "第二轮中央生态环境保护督察反馈问题整改台账"
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

    def user(self, name: str) -> User:
        return self.users[name]

    def day(self, months_back: int, day: int) -> date:
        """Day `day` of the month `months_back` months ago; never today or later (a step is past)."""
        start = _months_back(self.today, months_back)
        found = start + timedelta(days=day - 1)
        if found >= self.today:
            raise ValueError(f"demo ledger step on {found} is not in the past")
        return found

    def step(self, when: date, service: Callable[[], Any], hhmm: str = "10:00") -> Any:
        """Take the step through its service, then give what it made its past time: the events, audit
        entries, files and notices (the caller sets the row's own time columns)."""
        marks = [db.session.scalar(select(func.max(model.id))) or 0 for model, _c in STAMPED]
        result = service()
        db.session.flush()
        at = _utc(when, hhmm)
        for (model, column), mark in zip(STAMPED, marks, strict=True):
            db.session.execute(
                update(model).where(model.id > mark).values({column: at}),
                execution_options={"synchronize_session": "fetch"},
            )
        if self.now - at > READ_AFTER:
            db.session.execute(
                update(Notification).where(Notification.id > marks[-1]).values(read_at=at + timedelta(hours=2)),
                execution_options={"synchronize_session": "fetch"},
            )
        return result


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
    def __init__(self, demo: _Demo, ledger: Ledger, created: date, data: services.TaskData, office: User):
        self.demo, self.office = demo, office
        self.t = demo.step(created, lambda: services.create_task(ledger, data, actor=office), "09:30")
        self.t.created_at = _utc(created, "09:30")

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

    def apply(self, months_back: int, day: int, username: str, statement: str) -> ClosureNotice:
        user = self.demo.user(username)
        when = self.demo.day(months_back, day)
        c = self.demo.step(when, lambda: closure.apply_closure(self.t, statement=statement, actor=user), "14:00")
        c.applied_at = _utc(when, "14:00")
        return c

    def sign(self, c: ClosureNotice, months_back: int, day: int, username: str, note: str = "") -> None:
        user = self.demo.user(username)
        when = self.demo.day(months_back, day)
        signoff = self.demo.step(
            when, lambda: closure.sign(c, user.department, approve=True, note=note, actor=user), "10:30"
        )
        signoff.signed_at = _utc(when, "10:30")

    def notice(self, c: ClosureNotice, when: date, public_text: str) -> None:
        self.demo.step(
            when, lambda: closure.start_notice(c, public_text=public_text, actor=self.office, today=when), "09:00"
        )

    def close(self, c: ClosureNotice, when: date, note: str = "公示期满无异议，同意销号。") -> None:
        self.demo.step(when, lambda: closure.close_task(c, note=note, actor=self.office, today=when), "16:00")
        c.decided_at = self.t.closed_at = _utc(when, "16:00")

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


# -- 示例省 ------------------------------------------------------------------------------------------------


def _province(demo: _Demo, province: Jurisdiction) -> None:
    office = demo.user("province_office")
    names = ["省生态环境厅", "省农业农村厅", "省住房城乡建设厅", "省水利厅", "省交通运输厅", "省自然资源厅"]
    d = {n: _department(province, n) for n in names}
    start = demo.day(5, 3)  # the ledger: five months ago
    ledger = demo.step(
        start,
        lambda: services.create_ledger(
            province,
            title=PROVINCE_LEDGER,
            source_kind=SourceKind.INSPECTION,
            source_title="第二轮中央生态环境保护督察",
            description="根据第二轮中央生态环境保护督察反馈意见，逐项明确整改目标、整改措施、责任单位和整改时限。",
            actor=office,
        ),
        "09:00",
    )
    ledger.created_at = _utc(start, "09:00")
    # 省生态环境厅 certifies every closure (认定部门), besides the lead.
    demo.step(
        start,
        lambda: services.save_settings(
            province,
            objection_days=15,
            progress_day=25,
            remind_days=3,
            answer_days=5,
            certifier_ids=[d["省生态环境厅"].id],
            actor=office,
        ),
        "09:10",
    )
    today = demo.today

    def task(*args, **kwargs) -> _Task:
        return _Task(demo, ledger, start, _data(d, *args, **kwargs), office)

    # 1. Open, on track, reported every month, cooperating departments' input, decomposed to a unit.
    t = task(
        "1",
        "部分城市建成区黑臭水体反弹，城镇污水管网建设滞后，雨污混流问题突出。",
        "2027年6月底前地级城市建成区黑臭水体动态清零，城市生活污水集中收集率达到70%以上。",
        "1.开展黑臭水体排查整治“回头看”；2.实施老旧城区雨污分流改造；3.建立长效管护机制。",
        "省住房城乡建设厅",
        ["省生态环境厅", "省水利厅"],
        "周建华",
        "省住房城乡建设厅副厅长",
        date(today.year + 1, 6, 30),
    )
    t.decompose(5, 8, "zjt_head", "城市建设处", "王磊", "处长", "牵头组织黑臭水体排查整治和管网建设调度。")
    for back, pct, text in (
        (4, 15, "完成全省黑臭水体排查“回头看”，发现返黑返臭水体6条，已建立整治清单。"),
        (3, 30, "6条返黑返臭水体整治方案全部批复，4个管网改造项目开工。"),
        (2, 45, "完成雨污分流改造管网42公里，2条水体水质已达标。"),
        (1, 60, "累计完成管网改造68公里，4条水体消除黑臭，正在开展水质跟踪监测。"),
    ):
        t.report(back, 20, "zjt_head", pct, text)
    t.report(1, 18, "sthj_editor", None, "按月开展返黑返臭水体水质监测，监测数据已提供给住房城乡建设厅。")
    t.report(1, 19, "slt_head", None, "已完成相关河道清淤疏浚12公里，配合做好生态补水。")

    # 2. Open and overdue (its deadline passed last month): 督办 answered, then 约谈 this month or last.
    t = task(
        "2",
        "秸秆露天焚烧屡禁不止，部分地区秸秆综合利用率偏低。",
        "秸秆综合利用率达到92%以上，杜绝大面积露天焚烧。",
        "1.落实网格化巡查；2.扶持秸秆收储运体系；3.对焚烧火点严格追责。",
        "省农业农村厅",
        ["省生态环境厅"],
        "陈立新",
        "省农业农村厅副厅长",
        demo.day(1, 10),
    )
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
        number="示督改督〔2026〕7号",
        answer=(4, "已制定补救方案，计划于明年3月前完成秸秆综合利用率目标。"),
    )
    t.report(1, 21, "nync_head", 55, "综合利用率提升至88%，仍在推进饲料化、基料化利用项目。", status="behind")

    # 3. Stalled: no report last month; a 提醒 whose answer is overdue and still not given.
    t = task(
        "3",
        "部分尾矿库环境风险隐患排查整治不到位，渗滤液收集设施不完善。",
        "完成全省尾矿库环境风险隐患排查整治，渗滤液收集处理设施全覆盖。",
        "1.开展尾矿库环境风险分级；2.完善渗滤液收集处理设施；3.建立尾矿库环境监管清单。",
        "省自然资源厅",
        ["省生态环境厅", "省水利厅"],
        "赵国强",
        "省自然资源厅副厅长",
        date(today.year + 1, 3, 31),
    )
    t.report(4, 22, "zrzyt_editor", 10, "完成尾矿库底数摸排，共排查尾矿库37座。")
    t.report(3, 23, "zrzyt_editor", 20, "完成37座尾矿库环境风险分级，其中高风险5座。")
    t.report(2, 24, "zrzyt_editor", 25, "5座高风险尾矿库整治方案编制中。", status="behind")
    t.supervise(1, 14, "remind", "该任务整改进度滞后，请加快推进，并按时报送每月整改进展。")

    # 4. Applied for closure; 省生态环境厅 has not signed yet (certifying).
    t = task(
        "4",
        "河湖“四乱”问题整治不彻底，部分河段违法建筑未拆除。",
        "全面清理整治河湖乱占、乱采、乱堆、乱建问题。",
        "1.开展河湖“四乱”专项清理；2.拆除违法建筑；3.落实河湖长制巡查。",
        "省水利厅",
        ["省自然资源厅"],
        "孙志远",
        "省水利厅副厅长",
        _months_back(today, 0) + timedelta(days=40),
    )
    t.report(3, 20, "slt_head", 40, "排查河湖“四乱”问题126处，已整改83处。")
    t.report(2, 20, "slt_head", 75, "已整改118处，违法建筑拆除进入收尾。")
    t.report(1, 20, "slt_head", 100, "126处问题全部整改完成，违法建筑全部拆除。", status="done")
    c = t.apply(1, 26, "slt_head", "126处河湖“四乱”问题已全部整改到位，违法建筑全部拆除，经现场复核无反弹。")
    # Certifying: no sign-off yet.

    # 5. On public notice now: window open whatever day the demo is loaded.
    t = task(
        "5",
        "部分县级集中式饮用水水源保护区内仍有违法建设项目。",
        "清理整治县级以上集中式饮用水水源保护区内违法建设项目。",
        "1.开展水源地环境问题排查；2.依法关闭拆除违法项目；3.完善水源地规范化建设。",
        "省生态环境厅",
        ["省水利厅", "省住房城乡建设厅"],
        "刘海涛",
        "省生态环境厅副厅长",
        date(today.year, 12, 31),
    )
    t.decompose(5, 10, "sthj_head", "水生态环境处", "何静", "处长", "组织水源保护区违法项目排查、整治和验收。")
    t.report(3, 19, "sthj_head", 50, "排查发现违法建设项目14个，已关闭拆除7个。")
    t.report(2, 19, "sthj_head", 85, "已关闭拆除13个，剩余1个正在司法程序中。")
    t.report(1, 19, "sthj_head", 100, "14个违法建设项目全部关闭拆除，水源地规范化建设完成。", status="done")
    applied = today - timedelta(days=6)
    c = demo.step(
        applied,
        lambda: closure.apply_closure(
            t.t,
            statement="14个违法建设项目全部关闭拆除，并完成水源地标志设置和隔离防护。",
            actor=demo.user("sthj_head"),
        ),
        "14:00",
    )
    c.applied_at = _utc(applied, "14:00")
    t.notice(
        c,
        today - timedelta(days=3),
        "部分县级集中式饮用水水源保护区内违法建设项目问题，经牵头部门整改、认定部门认定，已完成整改，现予公示。",
    )

    # 6. Closed last month (its notice ended before).
    t = task(
        "6",
        "部分城市重型柴油货车尾气超标排放问题突出，路检路查不到位。",
        "建立机动车排放检验、路检路查和维修治理闭环监管。",
        "1.开展柴油货车路检路查；2.规范机动车排放检验机构；3.建立超标车辆维修治理闭环。",
        "省交通运输厅",
        ["省生态环境厅"],
        "吴晓东",
        "省交通运输厅副厅长",
        demo.day(1, 28),
    )
    t.report(4, 20, "jtt_head", 40, "联合开展路检路查，抽检柴油货车3200辆。")
    t.report(3, 20, "jtt_head", 100, "机动车排放检验与维修治理（I/M）闭环全面运行。", status="done")
    c = t.apply(3, 24, "jtt_head", "I/M闭环制度已全面运行，超标车辆维修复检合格率98%。")
    t.sign(c, 3, 27, "sthj_head", "经核查，整改到位，同意销号。")
    t.notice(c, demo.day(2, 2), "重型柴油货车尾气超标排放问题已完成整改，现予公示。")
    t.close(c, demo.day(1, 6))

    # 7. Closed, then reopened last month (反弹).
    t = task(
        "7",
        "部分规模以下畜禽养殖场粪污直排，污染周边水体。",
        "畜禽粪污综合利用率达到80%以上，杜绝粪污直排。",
        "1.排查整治畜禽养殖场粪污直排；2.配套建设粪污处理设施；3.加强执法监管。",
        "省农业农村厅",
        ["省生态环境厅"],
        "陈立新",
        "省农业农村厅副厅长",
        date(today.year + 1, 6, 30),
    )
    t.report(4, 20, "nync_head", 100, "粪污直排的112家养殖场全部完成整治。", status="done")
    c = t.apply(4, 23, "nync_head", "112家养殖场全部配套粪污处理设施，直排问题全部整改。")
    t.sign(c, 4, 26, "sthj_head", "同意销号。")
    t.notice(c, demo.day(3, 1), "规模以下畜禽养殖场粪污直排问题已完成整改，现予公示。")
    t.close(c, demo.day(3, 20))
    t.reopen(1, 14, "群众反映清河镇两家养殖场粪污再次直排入河，经现场核查属实，问题反弹，重新整改。")
    t.report(1, 24, "nync_head", 60, "已责令两家养殖场停产整治，举一反三开展全面复查。")

    # 8. Open, on track, decomposed to two units (§8).
    t = task(
        "8",
        "历史遗留废弃矿山生态修复进度缓慢。",
        "完成历史遗留废弃矿山生态修复面积2.5万亩。",
        "1.编制废弃矿山生态修复规划；2.分年度实施修复工程；3.开展修复成效评估。",
        "省自然资源厅",
        ["省生态环境厅"],
        "赵国强",
        "省自然资源厅副厅长",
        None,
        phase="medium",
    )
    t.decompose(5, 9, "zrzyt_editor", "国土空间生态修复处", "钱文", "处长", "统筹废弃矿山生态修复工程实施。")
    t.decompose(5, 9, "zrzyt_editor", "省地质环境监测总站", "郑亮", "站长", "开展修复成效监测评估。")
    for back, pct in ((4, 10), (3, 20), (2, 30), (1, 40)):
        t.report(back, 21, "zrzyt_editor", pct, f"累计完成修复面积{pct / 40:.2f}万亩，工程按计划推进。")

    # 9. Closed two months ago.
    t = task(
        "9",
        "建筑施工扬尘管控不到位，部分工地“六个百分之百”落实不到位。",
        "建筑工地全面落实“六个百分之百”扬尘防治措施。",
        "1.开展建筑工地扬尘专项检查；2.推广在线监测和视频监控；3.严格执法处罚。",
        "省住房城乡建设厅",
        ["省生态环境厅"],
        "周建华",
        "省住房城乡建设厅副厅长",
        demo.day(2, 28),
    )
    t.report(4, 20, "zjt_head", 100, "全省在建工地全部安装扬尘在线监测，专项检查整改问题工地215个。", status="done")
    c = t.apply(4, 22, "zjt_head", "全省在建工地“六个百分之百”落实到位，扬尘在线监测全覆盖。")
    t.sign(c, 4, 25, "sthj_head", "同意销号。")
    t.notice(c, demo.day(3, 2), "建筑施工扬尘管控问题已完成整改，现予公示。")
    t.close(c, demo.day(2, 5))

    # 10. Open, behind, due this month; 约谈 last month, answered.
    t = task(
        "10",
        "化工园区污水集中处理设施不完善，部分企业废水超标排放。",
        "化工园区污水集中处理设施稳定运行，企业废水达标排放。",
        "1.完善化工园区污水管网；2.实施“一企一管”改造；3.加强在线监控。",
        "省生态环境厅",
        ["省住房城乡建设厅", "省农业农村厅"],
        "刘海涛",
        "省生态环境厅副厅长",
        date(today.year, today.month, 1) + timedelta(days=27),
    )
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
        number="示督改约〔2026〕2号",
        answer=(1, "已成立工作专班，每周调度，确保按期完成。"),
    )
    t.report(1, 20, "sthj_head", 65, "改造完成58家，剩余12家正在施工。", status="behind")
    t.report(1, 18, "zjt_head", None, "配合完成园区外污水管网接驳3.2公里。")


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
        return _Task(demo, ledger, start, _data(d, *args, **kwargs), office)

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
    if province is not None:
        _bulletin(demo, province)
    db.session.flush()
