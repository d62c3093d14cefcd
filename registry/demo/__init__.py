"""The demo: the example province (from the reference spreadsheets kept beside this file), two of
its cities, the central ministries they report up to, one user per role, and a published version."""

import csv
import re
from datetime import date
from pathlib import Path

from sqlalchemy import select

from registry.auth.models import User
from registry.auth.services import create_user
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.jurisdictions.services import create_jurisdiction
from registry.lists import services
from registry.lists.models import Department, Matter
from registry.versions import services as version_services
from registry.versions.models import ListVersion

HERE = Path(__file__).resolve().parent
PASSWORD = "demo-2025"

CENTRAL = ("100000", "中央")
PROVINCE = ("990000", "示例省")
CITIES = [("990100", "江川市"), ("990200", "云岭市")]

MINISTRIES = [
    ("国家发展和改革委员会", "国家发展改革委", "发展改革"),
    ("工业和信息化部", "工业和信息化部", "工业和信息化"),
    ("公安部", "公安部", "公安"),
    ("司法部", "司法部", "司法行政"),
    ("财政部", "财政部", "财政"),
    ("自然资源部", "自然资源部", "自然资源"),
    ("生态环境部", "生态环境部", "生态环境"),
    ("住房和城乡建设部", "住房城乡建设部", "住房城乡建设"),
    ("交通运输部", "交通运输部", "交通运输"),
    ("水利部", "水利部", "水利"),
    ("农业农村部", "农业农村部", "农业农村"),
    ("商务部", "商务部", "商务"),
    ("国家卫生健康委员会", "国家卫生健康委", "卫生健康"),
    ("应急管理部", "应急管理部", "应急管理"),
    ("国家市场监督管理总局", "市场监管总局", "市场监管"),
    ("国家能源局", "国家能源局", "能源"),
    ("国家林业和草原局", "国家林草局", "林草"),
    ("中国气象局", "中国气象局", "气象"),
]

CITY_DEPARTMENTS = [
    ("{c}发展和改革委员会", "{c}发展改革委", "发展改革"),
    ("{c}生态环境局", "{c}生态环境局", "生态环境"),
    ("{c}住房和城乡建设局", "{c}住房城乡建设局", "住房城乡建设"),
    ("{c}交通运输局", "{c}交通运输局", "交通运输"),
    ("{c}水利局", "{c}水利局", "水利"),
    ("{c}农业农村局", "{c}农业农村局", "农业农村"),
    ("{c}自然资源和规划局", "{c}自然资源和规划局", "自然资源"),
    ("{c}公安局", "{c}公安局", "公安"),
]

# (category, title, lead sector or None for pending, cooperating sectors, responsibility)
CITY_MATTERS = [
    ("大气", "城区餐饮油烟污染治理", "生态环境", ["住房城乡建设"], "督促餐饮服务单位安装油烟净化设施并正常运行。"),
    ("大气", "秸秆禁烧网格化巡查", "农业农村", ["生态环境", "公安"], "落实秸秆禁烧网格化监管，及时发现处置露天焚烧。"),
    ("水", "城市内河黑臭水体长治久清", "住房城乡建设", ["生态环境", "水利"], "巩固黑臭水体整治成效，防止返黑返臭。"),
    ("水", "农村饮用水水源地规范化建设", "生态环境", ["水利", "农业农村"], "完成千吨万人以上水源地规范化建设。"),
    ("土壤", "工业遗留地块调查评估", "生态环境", ["自然资源"], "组织关闭搬迁企业遗留地块土壤污染状况调查。"),
    ("噪声", "夜间渣土运输噪声管控", None, [], "尚未明确牵头部门，待市委、市政府研究明确。"),
]

DUTIES = {
    "省生态环境厅": [
        "负责建立健全生态环境基本制度，会同有关部门拟订全省生态环境政策、规划并组织实施。",
        "负责重大生态环境问题的统筹协调和监督管理，牵头协调重特大环境污染事故和生态破坏事件的调查处理。",
        "负责环境污染防治的监督管理，组织制定大气、水、土壤等污染防治管理制度并监督实施。",
    ],
    "省农业农村厅": [
        "负责农业面源污染治理，指导农业废弃物资源化利用和秸秆综合利用。",
        "指导农村人居环境整治有关工作，牵头受污染耕地安全利用。",
    ],
    "省住房城乡建设厅": [
        "负责城镇污水处理设施和管网建设的监督管理，牵头城市黑臭水体治理。",
        "负责建筑施工扬尘和建筑施工噪声污染防治的监督管理。",
    ],
}

# Who the audit log names for the demo data (no user made it).
DEMO_ACTOR = "演示数据"


def _read_csv(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _jurisdiction(code: str, name: str, level: str, parent: str | None) -> Jurisdiction:
    existing = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    return existing or create_jurisdiction(code=code, name=name, level=level, parent_code=parent, actor=DEMO_ACTOR)


def _departments(jurisdiction: Jurisdiction, rows: list[tuple[str, str, str]]) -> dict[str, Department]:
    result = {}
    for order, (name, short, sector) in enumerate(rows, start=1):
        department = services.resolve_department(jurisdiction, name) or services.create_department(
            jurisdiction,
            name=name,
            short_name=short,
            sector=sector,
            sort_order=order,
            actor=DEMO_ACTOR,
        )
        result[short] = department
    return result


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[、，,；;/\n]", text) if p.strip()]


def _basis(jurisdiction: Jurisdiction, text: str) -> list[tuple[str, str]]:
    # 《标题》第X条 → (标题, 第X条)
    return [(m.group(1), m.group(2).strip()) for m in re.finditer(r"《([^》]+)》([^《；;]*)", text)]


def _matter(jurisdiction, seq, category, title, description, lead, cooperating, basis=()) -> None:
    if db.session.scalar(select(Matter.id).where(Matter.jurisdiction_id == jurisdiction.id, Matter.title == title)):
        return
    matter = services.create_matter(
        jurisdiction,
        title=title,
        category=category,
        description=description,
        lead=lead,
        cooperating=cooperating,
        seq=seq,
        actor=DEMO_ACTOR,
    )
    for doc_title, article in basis:
        services.cite(matter, services.get_or_create_document(jurisdiction, title=doc_title, actor=DEMO_ACTOR), article)


def _publish_first(jurisdiction: Jurisdiction, publisher: str, doc_number: str) -> None:
    if db.session.scalar(
        select(ListVersion.id).where(ListVersion.jurisdiction_id == jurisdiction.id, ListVersion.label == "2025年版")
    ):
        return
    version_services.publish_version(
        jurisdiction,
        label="2025年版",
        doc_number=doc_number,
        effective_date=date(2025, 1, 1),
        publisher=publisher,
        actor=DEMO_ACTOR,
    )


def _user(username, role, jurisdiction, department=None, display_name=""):
    if db.session.scalar(select(User.id).where(User.username == username)):
        return
    create_user(
        username=username,
        password=PASSWORD,
        role=role,
        jurisdiction_code=jurisdiction.code,
        department_name=department,
        display_name=display_name,
        actor=DEMO_ACTOR,
    )


def load_demo() -> list[tuple[str, str, str]]:
    """Create whatever of the demo is missing; return the demo logins (username, role, scope)."""
    central = _jurisdiction(*CENTRAL, "central", None)
    _departments(central, MINISTRIES)
    province = _jurisdiction(*PROVINCE, "province", central.code)
    rows = [(r["部门全称"], r["部门简称"], r["系统"]) for r in _read_csv("example-province-departments.csv")]
    departments = _departments(province, rows)
    by_name = {**departments, **{d.name: d for d in departments.values()}}
    for row in _read_csv("example-province-matters.csv"):
        lead = by_name[row["牵头部门"]] if row["牵头部门"] else None
        _matter(
            province,
            int(row["序号"]),
            row["事项类别"],
            row["具体事项"],
            row["责任内容"],
            lead,
            [by_name[n] for n in _split(row["配合部门"])],
            _basis(province, row["依据"]),
        )
    for short, texts in DUTIES.items():
        department = departments[short]
        if not department.duties:
            for text in texts:
                services.add_duty(department, text, actor=DEMO_ACTOR)
    from registry.demo.history import load_last_year_demo, publish_first_version  # year over year
    from registry.demo.upper import earlier_wording, follow_earlier  # the upper list moves (#14)

    with earlier_wording(province):  # the 2024 list worded two matters otherwise
        publish_first_version(province)  # the 2024 list first: a 2024 reporting cycle rests on it
    _publish_first(province, "示例省人民政府办公厅", "示政办发〔2025〕1号")

    for code, city_name in CITIES:
        city = _jurisdiction(code, city_name, "city", province.code)
        city_departments = _departments(
            city, [(n.format(c=city_name), s.format(c=city_name), sector) for n, s, sector in CITY_DEPARTMENTS]
        )
        by_sector = {d.sector: d for d in city_departments.values()}
        for seq, (category, title, lead, cooperating, text) in enumerate(CITY_MATTERS, start=1):
            _matter(
                city,
                seq,
                category,
                title,
                text,
                by_sector.get(lead) if lead else None,
                [by_sector[s] for s in cooperating],
            )
        follow_earlier(city)  # 江川市 follows the province's 2024 list
        _publish_first(city, f"{city_name}人民政府办公室", f"{city_name[:2]}政办发〔2025〕3号")

    city = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == CITIES[0][0]))
    logins = [
        ("admin", "sysadmin", central, None, "系统管理员"),
        ("province_office", "office_admin", province, None, "示例省生态环境保护委员会办公室"),
        ("jiangchuan_office", "office_admin", city, None, "江川市生态环境保护委员会办公室"),
        ("sthj_head", "dept_head", province, "省生态环境厅", "省生态环境厅 负责人"),
        ("sthj_editor", "dept_editor", province, "省生态环境厅", "省生态环境厅 填报人"),
        ("nync_head", "dept_head", province, "省农业农村厅", "省农业农村厅 负责人"),
        # More department heads, so that the demo cycle holds reports in every state.
        ("zjt_head", "dept_head", province, "省住房城乡建设厅", "省住房和城乡建设厅 负责人"),
        ("slt_head", "dept_head", province, "省水利厅", "省水利厅 负责人"),
        ("jtt_head", "dept_head", province, "省交通运输厅", "省交通运输厅 负责人"),
        # §7: cooperates on more of 省生态环境厅's led matters than any other department.
        ("zrzyt_editor", "dept_editor", province, "省自然资源厅", "省自然资源厅 填报人"),
        # 江川市's departments, for the demo's complaints (registry/demo/complaints).
        ("jcnyj_head", "dept_head", city, "江川市农业农村局", "江川市农业农村局 负责人"),
        ("jcsthjj_head", "dept_head", city, "江川市生态环境局", "江川市生态环境局 负责人"),
        ("jczjj_head", "dept_head", city, "江川市住房和城乡建设局", "江川市住房和城乡建设局 负责人"),
    ]
    for username, role, jurisdiction, department, display in logins:
        _user(username, role, jurisdiction, department, display)
    db.session.flush()
    from registry.demo.complaints import load_complaints_demo  # public complaints in every state (#17)
    from registry.demo.reports import load_reports_demo  # the 2025 reporting cycle
    from registry.demo.targets import load_targets_demo  # indicators and their values 2021–2025 (#19)

    # The indicators and the complaints first: the 2025 reports show their figures, and the one
    # published keeps them.
    load_targets_demo()
    load_complaints_demo()
    load_reports_demo()
    load_last_year_demo()  # the 2024 reporting cycle
    from registry.demo.supervision import load_supervision_demo  # ledgers, 督办, 销号, the bulletin (#18)

    load_supervision_demo()
    return [
        (username, role, f"{jurisdiction.name}{' · ' + department if department else ''}")
        for username, role, jurisdiction, department, _ in logins
    ]
