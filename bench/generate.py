"""Generating a province (or a country) through the project's own code paths.

- jurisdictions: `registry.jurisdictions.services.create_jurisdiction`
- departments and duties: `registry.lists.services.create_department` / `add_duty`
- matters with lead / cooperating assignments and legal basis: the list import
  (`registry.imports.planning.plan_import` + `apply_import`), the bulk path offices use, fed a CSV
  per jurisdiction — every row is validated and audited as in production
- versions: `registry.lists.services.publish_version` (which also builds the search index)
- reports: `registry.reports.services.open_cycle`, then submit / accept / publish for a few

Everything is seeded: the same scale gives the same data.
"""

import csv
import io
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import click
from sqlalchemy import func, select

from bench import vocab
from bench.scales import Scale
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.jurisdictions.services import create_jurisdiction
from registry.lists import services
from registry.lists.models import Department
from registry.versions import services as version_services

ACTOR = "基准测试数据生成"
YEAR = 2025
EFFECTIVE = date(YEAR, 1, 1)

_PLACE_FIRST = "青临安永长平宁清嘉广兴德宜泰华瑞新东南西北云江海山河湖明金玉丰崇昌隆福远"
_PLACE_SECOND = "阳江川州山城原宁安丰乐平源水台林泽溪湖陵丘谷岭都滨口门"
_PROVINCE_NAMES = [
    "示例",
    "东岚",
    "西岭",
    "南湖",
    "北原",
    "中川",
    "江海",
    "云台",
    "天山",
    "青川",
    "玉泽",
    "金沙",
    "长白",
    "沧浪",
    "丹霞",
]


@dataclass
class Generated:
    scale: str
    jurisdictions: int = 0
    departments: int = 0
    duties: int = 0
    matters: int = 0
    versions: int = 0
    reports: int = 0
    published_reports: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def place_names(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    names = []
    while len(names) < n:
        name = rng.choice(_PLACE_FIRST) + rng.choice(_PLACE_SECOND)
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def plan_tree(scale: Scale, seed: int = 2025) -> list[tuple[str, str, str, str | None]]:
    """(code, name, level, parent code) for every jurisdiction, parents first."""
    rng = random.Random(seed)
    rows: list[tuple[str, str, str, str | None]] = []
    for p in range(scale.provinces):
        taken: set[str] = set()  # place names are unique within a province (1,140 to choose from)
        pcode = f"{81 + p:02d}0000"  # 81–9x: codes no real province uses
        rows.append((pcode, f"{_PROVINCE_NAMES[p % len(_PROVINCE_NAMES)]}省", "province", None))
        for c, city in enumerate(place_names(rng, scale.cities_per_province, taken), start=1):
            ccode = f"{pcode[:2]}{c:02d}00"
            rows.append((ccode, f"{city}市", "city", pcode))
            for k, county in enumerate(place_names(rng, scale.counties_per_city, taken), start=1):
                rows.append((f"{ccode[:4]}{k:02d}", f"{county}县", "county", ccode))
    return rows


def department_rows(jurisdiction: Jurisdiction, n: int) -> list[tuple[str, str, str]]:
    """(name, short name, sector) of the jurisdiction's first n departments."""
    out = []
    for sector, province_name, local_name, local_short in vocab.SECTORS[:n]:
        if jurisdiction.level == "province":
            name = province_name.format(p="省")
            short = name.replace("和城乡建设", "城乡建设").replace("发展和改革委员会", "发展改革委")
        else:
            place = jurisdiction.name
            name, short = local_name.format(c=place), local_short.format(c=place)
        out.append((name, short, sector))
    return out


def free_province_code(tops: range) -> str:
    """The first province code NN0000, NN taken from `tops`, that no jurisdiction has yet."""
    taken = set(db.session.scalars(select(Jurisdiction.code)))
    return next(c for c in (f"{n}0000" for n in tops) if c not in taken)


def province_with_departments(code: str, name: str, n: int = 40) -> tuple[Jurisdiction, list[Department]]:
    """A new province and its first n departments (as `department_rows` names them)."""
    jurisdiction = create_jurisdiction(code=code, name=name, level="province", actor=ACTOR)
    departments = [
        services.create_department(
            jurisdiction, name=dept, short_name=short, sector=sector, sort_order=order, actor=ACTOR
        )
        for order, (dept, short, sector) in enumerate(department_rows(jurisdiction, n), start=1)
    ]
    return jurisdiction, departments


def office_user(jurisdiction: Jurisdiction, username: str, password: str):
    """An office account of the jurisdiction (its name + 办公室), for the benches that act as one."""
    from registry.auth.services import create_user
    from registry.core.permissions import Role

    return create_user(
        username=username,
        password=password,
        role=Role.OFFICE_ADMIN,
        jurisdiction_code=jurisdiction.code,
        display_name=f"{jurisdiction.name}办公室",
        actor=ACTOR,
    )


def matters_csv(jurisdiction: Jurisdiction, departments: list[Department], n: int, rng: random.Random) -> bytes:
    """The jurisdiction's list in the import format (序号, 事项类别, 具体事项, 牵头部门, 配合部门, 责任内容, 依据)."""
    by_sector: dict[str, Department] = {d.sector: d for d in departments}
    pool = vocab.basis_pool()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["序号", "事项类别", "具体事项", "牵头部门", "配合部门", "责任内容", "依据"])
    for seq, (category, title, description) in enumerate(vocab.TitleMaker(rng).titles(n), start=1):
        _, _, leads, helpers = vocab.CATEGORIES.get(category, vocab.CATEGORIES["综合"])
        candidates = [by_sector[s] for s in leads if s in by_sector]
        lead = None
        if candidates and rng.random() > 0.02:  # about 2 % of matters await a lead (§5)
            # The first sector listed leads most often (生态环境 leads much of 大气, 水 …).
            lead = rng.choices(candidates, [len(candidates) - i for i in range(len(candidates))])[0]
        cooperating: list[Department] = []
        if lead is not None:
            others = [by_sector[s] for s in [*leads, *helpers] if s in by_sector and by_sector[s] is not lead]
            cooperating = rng.sample(others, min(len(others), rng.choice([0, 1, 2, 2, 3, 3, 4])))
        basis = "；".join(rng.sample(pool, rng.choice([0, 1, 1, 2]))) if pool else ""
        writer.writerow(
            [
                seq,
                category,
                title,
                lead.short_name if lead else "",
                "、".join(d.short_name for d in cooperating),
                description,
                basis,
            ]
        )
    return out.getvalue().encode("utf-8")


@contextmanager
def timed(result: Generated, step: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    result.seconds[step] = round(result.seconds.get(step, 0.0) + time.perf_counter() - start, 2)


def _bar(items, label: str, show: bool):
    """A click progress bar on a terminal; elsewhere (logs, CI) a line every 10 %."""
    if show and sys.stdout.isatty():
        return click.progressbar(items, label=label.ljust(14), show_pos=True, show_eta=True)

    @contextmanager
    def lines():
        items_ = list(items)
        step = max(1, len(items_) // 10)
        start = time.perf_counter()

        def walk():
            for n, item in enumerate(items_, start=1):
                yield item
                if show and (n % step == 0 or n == len(items_)):
                    click.echo(f"  {label} {n}/{len(items_)} ({time.perf_counter() - start:.0f} s)")

        yield walk()

    return lines()


def generate(
    scale: Scale,
    *,
    seed: int = 2025,
    progress: bool = True,
    commit: Callable[[], None] | None = None,
    reports: bool = True,
) -> Generated:
    """Generate the whole data set at `scale`; `commit` is called after each unit of work."""
    from registry.imports.planning import apply_import, plan_import

    commit = commit or db.session.commit
    rng = random.Random(seed)
    result = Generated(scale.name)

    with timed(result, "jurisdictions"), _bar(plan_tree(scale, seed), "行政区划", progress) as rows:
        for code, name, level, parent in rows:
            create_jurisdiction(code=code, name=name, level=level, parent_code=parent, actor=ACTOR)
            result.jurisdictions += 1
        commit()
    codes = [code for code, *_ in plan_tree(scale, seed)]

    with timed(result, "departments"), _bar(codes, "部门与职责", progress) as bar:
        for code in bar:
            jurisdiction = _by_code(code)
            for order, (name, short, sector) in enumerate(
                department_rows(jurisdiction, scale.departments_per_jurisdiction), start=1
            ):
                department = services.create_department(
                    jurisdiction, name=name, short_name=short, sector=sector, sort_order=order, actor=ACTOR
                )
                result.departments += 1
                for template in rng.sample(vocab.DUTY_TEMPLATES, scale.duties_per_department):
                    services.add_duty(department, template.format(c=sector), actor=ACTOR)
                    result.duties += 1
            commit()

    with timed(result, "matters"), _bar(codes, "具体事项(导入)", progress) as bar:
        for code in bar:
            jurisdiction = _by_code(code)
            departments = list(
                db.session.scalars(select(Department).where(Department.jurisdiction_id == jurisdiction.id))
            )
            data = matters_csv(jurisdiction, departments, scale.matters_per_jurisdiction, rng)
            plan = plan_import(jurisdiction, data, f"{code}.csv")
            if not plan.ok:
                raise RuntimeError(f"generated list for {code} does not import: {plan.errors[:3]}")
            imported = apply_import(plan, ACTOR)
            result.matters += imported.created
            commit()

    with timed(result, "publish"), _bar(codes, "发布版本", progress) as bar:
        for code in bar:
            jurisdiction = _by_code(code)
            version_services.publish_version(
                jurisdiction,
                label=f"{YEAR}年版",
                doc_number=f"{jurisdiction.name[:2]}环委办〔{YEAR}〕1号",
                effective_date=EFFECTIVE,
                publisher=f"{jurisdiction.name}生态环境保护委员会办公室",
                actor=ACTOR,
            )
            result.versions += 1
            commit()

    if reports:
        with timed(result, "reports"):
            generate_reports(scale, codes, result, progress=progress, commit=commit)
    return result


def _by_code(code: str) -> Jurisdiction:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


def generate_reports(scale: Scale, codes: list[str], result: Generated, *, progress: bool, commit) -> None:
    """Open a reporting cycle in the first jurisdictions and take some reports to publication."""
    from registry.demo.reports import _fill  # the demo's realistic section texts
    from registry.reports import services as reports
    from registry.reports.models import AnnualReport, ReportingCycle

    for code in codes[: scale.report_jurisdictions]:
        jurisdiction = _by_code(code)
        office = _user(f"bench-office-{code}", "office_admin", jurisdiction, None)
        cycle = db.session.scalar(
            select(ReportingCycle).where(ReportingCycle.jurisdiction_id == jurisdiction.id, ReportingCycle.year == YEAR)
        ) or reports.open_cycle(jurisdiction, year=YEAR, deadline=date(YEAR + 1, 3, 31), actor=office)
        commit()
        result.reports += db.session.scalar(select(func.count()).where(AnnualReport.cycle_id == cycle.id))
        candidates = list(
            db.session.scalars(select(AnnualReport).where(AnnualReport.cycle_id == cycle.id).order_by(AnnualReport.id))
        )
        with _bar(candidates[: scale.published_reports], "公开报告", progress) as bar:
            for report in bar:
                if report.state != "draft":
                    result.published_reports += report.state == "published"
                    continue
                head = _user(f"bench-head-{report.department_id}", "dept_head", jurisdiction, report.department)
                _fill(report, head)
                reports.submit_report(report, actor=head)
                reports.accept_report(report, actor=office)
                reports.publish_report(report, actor=head)
                commit()
                result.published_reports += 1


def _user(username: str, role: str, jurisdiction: Jurisdiction, department: Department | None):
    from registry.auth.models import User
    from registry.auth.services import create_user

    existing = db.session.scalar(select(User).where(User.username == username))
    return existing or create_user(
        username=username,
        password="bench-2025-password",
        role=role,
        jurisdiction_code=jurisdiction.code,
        department_name=department.name if department else None,
        display_name=username,
        actor="基准测试",
    )
