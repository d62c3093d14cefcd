"""Small builders for test data, going through the real services."""

from datetime import date

from sqlalchemy import select

from registry.auth.services import create_user
from registry.extensions import db
from registry.jurisdictions.services import create_jurisdiction
from registry.lists import services
from registry.lists.models import Matter
from registry.versions import services as version_services


def jurisdiction(code, level="province", parent=None, name=None):
    return create_jurisdiction(
        code=code,
        name=name or f"测试区划{code}",
        level=level,
        parent_code=parent.code if parent else None,
        actor="测试",
    )


def department(jurisdiction, name, sector="生态环境", short_name=None):
    return services.create_department(
        jurisdiction, name=name, short_name=short_name or name, sector=sector, actor="测试"
    )


def user(username, role, jurisdiction, department=None, password="password-123"):
    return create_user(
        username=username,
        password=password,
        role=role,
        jurisdiction_code=jurisdiction.code,
        department_name=department.name if department else None,
        actor="测试",
    )


def straw(city):
    """The demo's straw-burning matter (秸秆) of `city`."""
    return db.session.scalar(select(Matter).where(Matter.jurisdiction_id == city.id, Matter.title.contains("秸秆")))


def second_city_version(city, also_cooperating=()):
    """The demo's 江川市 publishes 2026年版, in force since 2025-06-01, where the straw matter's lead moves
    to the ecology department and the old lead cooperates (with the departments named in
    `also_cooperating`). Returns the matter, its old and its new lead, and the version."""
    matter = straw(city)
    old_lead = matter.lead
    ecology = services.resolve_department(city, "江川市生态环境局")
    services.update_matter(
        matter,
        title=matter.title,
        category=matter.category,
        description=matter.description,
        lead=ecology,
        cooperating=[old_lead, *(services.resolve_department(city, name) for name in also_cooperating)],
        actor="测试",
    )
    version = version_services.publish_version(
        city,
        label="2026年版",
        doc_number="江政办发〔2026〕2号",
        effective_date=date(2025, 6, 1),
        publisher="江川市人民政府办公室",
        actor="测试",
    )
    return matter, old_lead, ecology, version


def complaint(
    department,
    *,
    jurisdiction=None,
    description="村口有人露天焚烧秸秆，浓烟很大。",
    place="村口晒场",
    version_matter=None,
    contact=None,
    received=None,
):
    """A complaint as the public form leaves it (state new, 受理 due in working days), handled by
    `department`, about `version_matter` (a VersionMatter, or None: routed to the desk), in
    `jurisdiction` (default: the department's). contact: dict(name=, phone=, email=) or None."""
    from registry.complaints import rules
    from registry.complaints.models import Complaint, ComplaintContact, EventKind, RoutedBy
    from registry.complaints.services import add_event, new_code
    from registry.core.timezone import local_today

    place_jurisdiction = jurisdiction or department.jurisdiction
    made = Complaint(
        code=new_code(),
        jurisdiction_id=place_jurisdiction.id,
        jurisdiction=place_jurisdiction,
        place=place,
        description=description,
        version_matter_id=version_matter.id if version_matter else None,
        matter_id=version_matter.matter_id if version_matter else None,
        matter_title=version_matter.title if version_matter else "",
        routed_by=RoutedBy.MATTER if version_matter else RoutedBy.DESK,
        department=department,
        accept_due=rules.accept_due(received or local_today(), department.jurisdiction),
    )
    db.session.add(made)
    if contact:
        made.contact = ComplaintContact(**contact)
    db.session.flush()
    add_event(made, EventKind.SUBMITTED, None, public_actor=True, department_id=department.id)
    db.session.flush()
    return made


def indicator(
    jurisdiction,
    lead,
    *,
    name="细颗粒物（PM2.5）平均浓度",
    unit="微克/立方米",
    direction="lower",
    binding="binding",
    baseline=(2020, 35.0),
    target=(2025, 28.0),
    stretch=None,
    values=None,
    matters=(),
    plan=None,
):
    """A target indicator of `jurisdiction` led by `lead` (a Department), defined through the service;
    values: {year: value} recorded by the lead department (source 监测数据)."""
    from registry.targets import services as target_services

    made = target_services.create_indicator(
        jurisdiction,
        target_services.IndicatorData(
            name=name,
            unit=unit,
            direction=direction,
            binding=binding,
            baseline_year=baseline[0],
            baseline_value=baseline[1],
            target_year=target[0],
            target_value=target[1],
            stretch_value=stretch,
            lead_department=lead,
            plan=plan,
            matters=list(matters),
        ),
        actor="测试",
    )
    for year, value in (values or {}).items():
        target_services.record_value(made, actor="测试", year=year, value=value, source="监测数据")
    return made


def ledger(jurisdiction, title="第二轮中央生态环境保护督察反馈问题整改台账", source_kind="inspection"):
    """A rectification ledger (整改台账) of `jurisdiction`, made through the service."""
    from registry.supervision import services as supervision_services

    return supervision_services.create_ledger(
        jurisdiction, title=title, source_kind=source_kind, source_title="第二轮中央生态环境保护督察", actor="测试"
    )


def task(
    ledger,
    lead,
    *,
    problem="部分城市建成区黑臭水体反弹，污水管网建设滞后",
    number="1",
    cooperating=(),
    due_date=None,
    phase=None,
    matters=(),
    person="张三",
    post="副厅长",
):
    """A task of `ledger` led by `lead` (a Department); due 2026-12-31 unless a date or phase is given."""
    from registry.supervision import services as supervision_services

    return supervision_services.create_task(
        ledger,
        supervision_services.TaskData(
            number=number,
            problem=problem,
            target="2026年底前消除黑臭水体",
            measures="排查管网，实施截污纳管",
            lead_department=lead,
            cooperating=list(cooperating),
            responsible_person=person,
            responsible_post=post,
            due_date=due_date if due_date or phase else date(2026, 12, 31),
            phase=phase,
            matters=list(matters),
        ),
        actor="测试",
    )
