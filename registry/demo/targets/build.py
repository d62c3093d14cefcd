"""Entering the demo's indicators (registry/demo/targets/data.py) as people would: the offices define
them (province_office, jiangchuan_office; 云岭市 has no demo users, so 演示数据); the lead departments'
users record the values 2021–2025, each in the spring after its year; the offices lock 2021–2024 once
each year's 公报 is out, and 2025 stays open (初步数据). The province's office published its 2024 yearly
report to the people's congress (seed 000, registry/targets/environment.py) in June 2025. Every step
is back-dated to its day, audit entries included, as the complaints demo does. Idempotent: a
jurisdiction that has indicators is left alone.
"""

import contextlib
from datetime import UTC, date, datetime, time

from flask import current_app
from sqlalchemy import func, select, update

from registry.auth.models import User
from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.core.timezone import display_timezone, local_today
from registry.demo.targets.data import (
    ACTOR,
    BASELINE,
    LOCKED,
    MONITORED,
    MONTHLY,
    MONTHLY_YEAR,
    PLACES,
    PM25,
    PROVINCE,
    REPORT_BODY,
    REPORT_NUMBER,
    REPORT_YEAR,
    TARGET,
    YEARS,
    Place,
)
from registry.extensions import db
from registry.jobs.models import Job
from registry.jurisdictions.models import Jurisdiction
from registry.lists import services as list_services
from registry.lists.models import Matter
from registry.targets import environment, services
from registry.targets.models import (
    EnvironmentReport,
    EnvironmentReportState,
    IndicatorValue,
    IndicatorYearLock,
    TargetIndicator,
)


def _utc(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=display_timezone()).astimezone(UTC)


class _Clock:
    """Back-dates what each step made: its audit entries, and the values, locks and indicators."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)
        self.mark = self._max(AuditEntry)

    @staticmethod
    def _max(model) -> int:
        return db.session.scalar(select(func.max(model.id))) or 0

    def stamp(self, when: datetime, model, column: str, ids: list[int]) -> None:
        when = min(when, self.now)
        db.session.flush()
        db.session.execute(
            update(AuditEntry).where(AuditEntry.id > self.mark).values(at=when),
            execution_options={"synchronize_session": False},
        )
        if ids:
            db.session.execute(
                update(model).where(model.id.in_(ids)).values({column: when}),
                execution_options={"synchronize_session": False},
            )
        self.mark = self._max(AuditEntry)


def _matters(jurisdiction: Jurisdiction, words: tuple[str, ...]) -> list[Matter]:
    found = []
    for word in words:
        matter = db.session.scalar(
            select(Matter)
            .where(Matter.jurisdiction_id == jurisdiction.id, Matter.title.contains(word))
            .order_by(Matter.seq)
            .limit(1)
        )
        if matter is not None:
            found.append(matter)
    return found


def _define(place: Place, jurisdiction: Jurisdiction, users: dict[str, User], clock: _Clock):
    """The plan and the indicators (the office), on a day after the plan came out."""
    office = users.get(place.office, ACTOR)
    title, number, issuer, issued = place.plan
    plan = list_services.get_or_create_document(
        jurisdiction, title=title, doc_number=number, issuer=issuer, issued_on=issued, actor=office
    )
    made = []
    for spec in place.specs:
        lead = list_services.resolve_department(jurisdiction, spec.lead)
        if lead is None:  # the list no longer has the department: leave the indicator out
            continue
        data = services.IndicatorData(
            name=spec.name,
            unit=spec.unit,
            direction=spec.direction,
            binding=spec.binding,
            baseline_year=BASELINE,
            baseline_value=spec.baseline,
            target_year=TARGET,
            target_value=spec.target,
            stretch_value=spec.stretch,
            lead_department=lead,
            plan=plan,
            description=spec.description,
            matters=_matters(jurisdiction, spec.matters),
        )
        made.append((spec, services.create_indicator(jurisdiction, data, actor=office)))
    clock.stamp(_utc(date(issued.year, issued.month + 1, 10)), TargetIndicator, "created_at", [i.id for _, i in made])
    return made


def _recorder(place: Place, indicator: TargetIndicator, users: dict[str, User]):
    return users.get(place.recorders.get(indicator.lead_department.name, ""), ACTOR)


def _place(place: Place, jurisdiction: Jurisdiction, users: dict[str, User], clock: _Clock) -> None:
    made = _define(place, jurisdiction, users, clock)
    office = users.get(place.office, ACTOR)
    today = local_today()
    for year in YEARS:
        if year > today.year:
            break
        # Monitoring data in January; surveys and statistics by March.
        for monitored, day in ((True, date(year + 1, 1, 20)), (False, date(year + 1, 3, 16))):
            rows = [
                services.record_value(
                    indicator,
                    actor=_recorder(place, indicator, users),
                    year=year,
                    value=spec.values[year],
                    source=spec.source,
                    note=spec.notes.get(year, ""),
                ).id
                for spec, indicator in made
                if year in spec.values and (spec.source == MONITORED) == monitored
            ]
            clock.stamp(_utc(day), IndicatorValue, "recorded_at", rows)
        if year in LOCKED and not services.is_locked(jurisdiction.id, year):
            lock = services.lock_year(jurisdiction, year, actor=office)
            # Once the year's 生态环境状况公报 is out, early in June.
            clock.stamp(_utc(date(year + 1, 6, 5), 16), IndicatorYearLock, "locked_at", [lock.id])
    if place is PROVINCE:
        _monthly(place, made, users, clock, today)


def _monthly(place: Place, made, users: dict[str, User], clock: _Clock, today: date) -> None:
    """The province's PM2.5 in 2026, month by month, each recorded on the 8th of the next month."""
    indicator = next((i for spec, i in made if spec.name == PM25), None)
    if indicator is None:
        return
    for month, value in enumerate(MONTHLY, start=1):
        recorded = date(MONTHLY_YEAR + month // 12, month % 12 + 1, 8)
        if recorded > today:
            break
        row = services.record_value(
            indicator,
            actor=_recorder(place, indicator, users),
            year=MONTHLY_YEAR,
            month=month,
            value=value,
            source=MONITORED,
            note=f"1—{month}月累计均值" if month > 1 else "1月均值",
        )
        clock.stamp(_utc(recorded), IndicatorValue, "recorded_at", [row.id])


def _environment_report(province: Jurisdiction, users: dict[str, User], clock: _Clock) -> None:
    """The province's 2024 yearly report to its people's congress (seed 000), compiled and published
    in June 2025 by the office. Without a CJK font it cannot be compiled and stays a draft."""
    office = users.get(PROVINCE.office)
    if office is None or environment.report_for(province.id, REPORT_YEAR) is not None:
        return
    report = environment.create_report(province, REPORT_YEAR, actor=office)
    environment.save_report(
        report, actor=office, expected_version=report.lock_version, body=REPORT_BODY, doc_number=REPORT_NUMBER
    )
    compiled_on = date(REPORT_YEAR + 1, 6, 20)
    eager = current_app.config.get("JOBS_EAGER")
    current_app.config["JOBS_EAGER"] = True  # compiled here and now, not by a thread after the commit
    try:
        # Its 成文日期 the day it was compiled, as for any report, back-dated with the rest.
        job = environment.start_compile(report, actor=office, signed=compiled_on)
    finally:
        current_app.config["JOBS_EAGER"] = eager
    compiled = _utc(compiled_on)
    clock.stamp(compiled, EnvironmentReport, "created_at", [report.id])
    db.session.execute(
        update(Job).where(Job.id == job.id).values(created_at=compiled, started_at=compiled, finished_at=compiled),
        execution_options={"synchronize_session": False},
    )
    db.session.refresh(report)
    with contextlib.suppress(DomainError):
        environment.publish_report(report, actor=office)
    published = _utc(date(REPORT_YEAR + 1, 6, 26), 15)
    clock.stamp(published, EnvironmentReport, "updated_at", [report.id])
    if report.state == EnvironmentReportState.PUBLISHED:
        db.session.execute(
            update(EnvironmentReport)
            .where(EnvironmentReport.id == report.id)
            .values(compiled_at=compiled, published_at=published),
            execution_options={"synchronize_session": False},
        )
    db.session.expire(report)


def load_targets_demo() -> None:
    """The indicators of 示例省, 江川市 and 云岭市 with their values (once per jurisdiction)."""
    clock = _Clock()
    users = {u.username: u for u in db.session.scalars(select(User))}
    for place in PLACES:
        jurisdiction = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == place.code))
        if jurisdiction is None or db.session.scalar(
            select(TargetIndicator.id).where(TargetIndicator.jurisdiction_id == jurisdiction.id).limit(1)
        ):
            continue
        _place(place, jurisdiction, users, clock)
        if place is PROVINCE:
            _environment_report(jurisdiction, users, clock)
    db.session.flush()
