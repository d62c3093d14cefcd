"""Departments by the names files write them in: full, short, other names and common abbreviations."""

import pytest
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.extensions import db
from registry.lists import services
from registry.lists.models import AliasKind, DepartmentAlias, DepartmentKind
from registry.lists.naming import DepartmentNames, add_alias, guess_kind, remember_alias
from tests import factories
from tests.lists.conftest import department, jurisdiction

ACTOR = "测试"


@pytest.fixture
def province(demo):
    return jurisdiction("990000")


def _name(names: DepartmentNames, written: str) -> str | None:
    found = names.match(written)
    return found.name if found else None


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("省发展和改革委员会", "省发展和改革委员会"),  # full name
        ("省发展改革委", "省发展和改革委员会"),  # its short name
        ("省发改委", "省发展和改革委员会"),  # the common abbreviation
        (" 省 发改委 ", "省发展和改革委员会"),  # spaces, as pasted
        ("省住建厅", "省住房和城乡建设厅"),
        ("省市场监管局", "省市场监督管理局"),
        ("省卫健委", "省卫生健康委员会"),
        ("省工信厅", "省工业和信息化厅"),
        ("省生态环境厅", "省生态环境厅"),
        ("生态环境厅", "省生态环境厅"),  # without the level prefix
        ("示例省生态环境厅", "省生态环境厅"),  # with the jurisdiction's name
        ("省发改委（省能源局）", "省发展和改革委员会"),  # the name before the bracket first
        ("省发改委(省能源局)", "省发展和改革委员会"),  # half-width brackets alike
        ("省经信委（省能源局）", "省能源局"),  # the outer name unknown: the named bureau
        ("省农业农村厅", "省农业农村厅"),
    ],
)
def test_written_names_match_their_department(province, written, expected):
    assert _name(DepartmentNames(province.id), written) == expected


def test_unknown_and_empty_names_match_nothing(province):
    names = DepartmentNames(province.id)
    assert names.match("省数据局") is None
    assert names.match("") is None and names.match("  ") is None
    # Another jurisdiction's department is not this one's.
    assert names.match("江川市生态环境局") is None


def test_city_names_match_with_and_without_prefix(demo):
    city = jurisdiction("990100")
    names = DepartmentNames(city.id)
    assert _name(names, "市住建局") == "江川市住房和城乡建设局"
    assert _name(names, "江川市发改委") == "江川市发展和改革委员会"
    assert _name(names, "生态环境局") == "江川市生态环境局"


def test_a_name_two_departments_could_mean_is_no_match(province):
    sthj = department("省生态环境厅")
    nyj = department("省能源局")
    add_alias(sthj, "省环境局", AliasKind.SHORT, actor=ACTOR)
    add_alias(nyj, "省环境厅", AliasKind.SHORT, actor=ACTOR)
    names = DepartmentNames(province.id)
    # Exactly named: one each.
    assert _name(names, "省环境局") == "省生态环境厅"
    # Both brackets name an existing department and the outer name none: never a guess.
    assert names.match("省某某委（省生态环境厅）（省能源局）") is None


def test_ambiguous_abbreviation_is_no_match(province):
    jj = jurisdiction("990000")
    services.create_department(jj, name="省城市管理局", short_name="省城管局", sector="城管", actor=ACTOR)
    services.create_department(
        jj, name="省城市管理综合执法局", short_name="省城市管理执法局", sector="城管", actor=ACTOR
    )
    names = DepartmentNames(province.id)
    assert _name(names, "省城管局") == "省城市管理局"
    # 城管执法 key: only the second; a prefix-less 城管局 is the first only.
    assert _name(names, "城管局") == "省城市管理局"
    add_alias(department("省城市管理综合执法局"), "省城管委", AliasKind.SHORT, actor=ACTOR)
    add_alias(department("省城市管理局"), "省城市管理委", AliasKind.SHORT, actor=ACTOR)
    assert DepartmentNames(province.id).match("省城管委") is not None  # the exact alias wins
    assert DepartmentNames(province.id).match("城管委") is None  # both reduce to it: no guess


def test_aliases_and_old_names_match(province):
    sthj = department("省生态环境厅")
    add_alias(sthj, "省环境保护厅", AliasKind.OLD, actor=ACTOR)
    names = DepartmentNames(province.id)
    assert _name(names, "省环境保护厅") == "省生态环境厅"
    assert _name(names, "省环保厅") == "省生态环境厅"  # the old name's abbreviation too


def test_closest_offers_similar_departments(province):
    names = DepartmentNames(province.id)
    offered = names.closest("省生态环保厅")
    assert offered and offered[0][1] == "省生态环境厅" and len(offered) <= 3
    assert [name for _id, name in names.closest("省住房建设厅", n=1)] == ["省住房和城乡建设厅"]
    assert names.closest("完全无关的名字") == []
    assert len(names.closest("省厅", n=2)) <= 2


def test_remember_alias_is_audited_and_idempotent(province):
    sthj = department("省生态环境厅")
    alias = remember_alias(province, sthj, "省 生态 环境 厅（环保）", ACTOR)
    assert alias.kind == AliasKind.WRITTEN and alias.name == "省生态环境厅(环保)"
    assert remember_alias(province, sthj, "省生态环境厅（环保）", ACTOR) is None  # already there
    assert remember_alias(province, sthj, "省生态环境厅", ACTOR) is None  # its own name
    rows = db.session.scalars(select(DepartmentAlias).where(DepartmentAlias.department_id == sthj.id)).all()
    assert [a.name for a in rows] == ["省生态环境厅(环保)"]
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "departments", AuditEntry.entity_id == sthj.id)
        .order_by(AuditEntry.id)
    ).all()
    assert entries[-1].after == {"aliases": ["省生态环境厅(环保)"]}
    assert _name(DepartmentNames(province.id), "省生态环境厅（环保）") == "省生态环境厅"


def test_remember_alias_refuses_another_departments_name(province):
    sthj = department("省生态环境厅")
    with pytest.raises(DomainError, match="省水利厅"):
        remember_alias(province, sthj, "省水利厅", ACTOR)
    with pytest.raises(DomainError):
        remember_alias(jurisdiction("990100"), sthj, "江川环保", ACTOR)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("市大气污染防治工作领导小组办公室", DepartmentKind.BODY),
        ("市河长制工作领导小组办公室", DepartmentKind.BODY),
        ("市重点项目建设指挥部", DepartmentKind.BODY),
        ("市中央环保督察整改工作专班", DepartmentKind.BODY),
        ("市生态环境保护委员会办公室", DepartmentKind.BODY),
        ("市生态环境局", DepartmentKind.DEPARTMENT),
        ("市发展和改革委员会", DepartmentKind.DEPARTMENT),
    ],
)
def test_guess_kind(name, kind):
    assert guess_kind(name) == kind


def test_a_city_department_written_in_a_province_file_is_not_the_province_department(app):
    """市发展和改革委员会 in a province's file is a city's department: never 省发展和改革委员会."""
    province = factories.jurisdiction("980000", name="核对省")
    factories.department(province, "省发展和改革委员会", short_name="省发展改革委")
    names = DepartmentNames(province.id)
    assert names.match("市发展和改革委员会") is None
    assert names.match("发展和改革委员会").name == "省发展和改革委员会"  # its own level, prefix left out
    assert names.match("核对省发展和改革委员会").name == "省发展和改革委员会"
