"""机构改革: rename, merge and split a department; published versions stay as published."""

from datetime import date

import pytest
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.extensions import db
from registry.lists import services
from registry.lists.models import AliasKind, Assignment, DepartmentSuccession, Duty, Role
from registry.lists.naming import DepartmentNames
from registry.lists.services.reorganisation import (
    Basis,
    NewDepartment,
    merge_departments,
    rename_department,
    split_department,
    split_plan,
)
from registry.versions.models import VersionAssignment, VersionDepartment, VersionMatter
from tests.lists.conftest import department, fresh, jurisdiction

ACTOR = "测试"
BASIS = Basis(doc_number="示编发〔2026〕5号", effective_date=date(2026, 3, 1))


def _roles(matter) -> dict[str, str]:
    return {a.department.name: a.role for a in fresh(matter).assignments}


def _matter(j, title, lead, co_leads=(), cooperating=()):
    return services.create_matter(
        j, title=title, category="测试", lead=lead, co_leads=co_leads, cooperating=cooperating, actor=ACTOR
    )


def _published_rows():
    """Every row of every published version that names a department, as plain values."""
    return (
        sorted(
            db.session.execute(
                select(VersionDepartment.version_id, VersionDepartment.department_id, VersionDepartment.name)
            ).all()
        ),
        sorted(
            db.session.execute(
                select(
                    VersionAssignment.version_matter_id,
                    VersionAssignment.department_id,
                    VersionAssignment.department_name,
                    VersionAssignment.role,
                )
            ).all()
        ),
        sorted(
            db.session.execute(select(VersionMatter.id, VersionMatter.title, VersionMatter.lead_department_id)).all()
        ),
    )


def test_rename_keeps_the_old_name_matched(demo):
    j = jurisdiction("990000")
    sthj = department("省生态环境厅")
    published = _published_rows()
    row = rename_department(sthj, name="省生态环境保护厅", short_name="省生态环保厅", basis=BASIS, actor=ACTOR)
    sthj = fresh(sthj)
    assert sthj.name == "省生态环境保护厅" and sthj.active
    assert row.kind == "rename" and row.from_department_id == row.to_department_id == sthj.id
    assert row.old_name == "省生态环境厅" and row.doc_number == "示编发〔2026〕5号"
    assert {(a.name, a.kind) for a in sthj.aliases} == {("省生态环境厅", AliasKind.OLD)}
    names = DepartmentNames(j.id)
    assert names.match("省生态环境厅").id == sthj.id
    assert names.match("省生态环保厅").id == sthj.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "rename"))
    assert entry.entity_id == sthj.id and "示编发〔2026〕5号" in entry.summary
    assert _published_rows() == published


def test_rename_refuses_another_departments_name(demo):
    sthj = department("省生态环境厅")
    with pytest.raises(DomainError, match="省水利厅"):
        rename_department(sthj, name="省水利厅", actor=ACTOR)
    with pytest.raises(DomainError, match="相同"):
        rename_department(sthj, name=sthj.name, short_name=sthj.short_name, actor=ACTOR)


def test_merge_moves_roles_keeping_the_stronger_and_one_lead(demo):
    j = jurisdiction("990000")
    a, b, c, other = (department(n) for n in ("省能源局", "省林业局", "省发展和改革委员会", "省水利厅"))
    m1 = _matter(j, "甲：A 牵头，C 配合", a, cooperating=[c, other])
    m2 = _matter(j, "乙：C 牵头，A 配合", c, cooperating=[a])
    m3 = _matter(j, "丙：其他牵头，A 共同牵头，C 配合", other, co_leads=[a], cooperating=[c])
    m4 = _matter(j, "丁：A 牵头，B 共同牵头", a, co_leads=[b])
    db.session.add(Duty(department=a, seq=1, text="能源职责"))
    services.create_unit(a, name="规划处", actor=ACTOR)
    services.create_unit(c, name="规划处", actor=ACTOR)
    db.session.flush()
    published = _published_rows()

    target = merge_departments([a, b], c, basis=BASIS, actor=ACTOR)
    assert target.id == c.id
    assert _roles(m1) == {"省发展和改革委员会": "lead", "省水利厅": "cooperating"}
    assert _roles(m2) == {"省发展和改革委员会": "lead"}
    assert _roles(m3) == {"省水利厅": "lead", "省发展和改革委员会": "co_lead"}
    assert _roles(m4) == {"省发展和改革委员会": "lead"}
    # One lead per matter everywhere, and no department twice on a matter.
    for matter in (m1, m2, m3, m4):
        roles = [x.role for x in fresh(matter).assignments]
        assert roles.count(Role.LEAD) == 1
    assert not db.session.scalars(select(Assignment).where(Assignment.department_id.in_([a.id, b.id]))).all()
    c = fresh(c)
    assert "能源职责" in [d.text for d in c.duties]
    assert sorted(u.name for u in c.units) == ["规划处", "规划处（原省能源局）"]
    assert not fresh(a).active and not fresh(b).active
    rows = db.session.scalars(select(DepartmentSuccession).where(DepartmentSuccession.kind == "merge")).all()
    assert {(r.from_department_id, r.to_department_id) for r in rows} == {(a.id, c.id), (b.id, c.id)}
    names = DepartmentNames(j.id)
    assert names.match("省能源局").id == c.id and names.match("省林业局").id == c.id
    assert _published_rows() == published


def test_merge_into_a_new_department(demo):
    j = jurisdiction("990000")
    a, b = department("省能源局"), department("省林业局")
    led = {m.id for m in services.matters_led_by(a) + services.matters_led_by(b)}
    assert led  # the demo's energy and forestry bureaus lead matters
    target = merge_departments([a, b], NewDepartment("省能源和林业局", "省能林局", "能源"), basis=BASIS, actor=ACTOR)
    assert target.jurisdiction_id == j.id and target.active
    assert {m.id for m in services.matters_led_by(target)} == led
    with pytest.raises(DomainError):
        merge_departments([fresh(a)], department("省水利厅"), actor=ACTOR)  # already merged


def test_split_hands_each_matter_to_its_successor(demo):
    j = jurisdiction("990000")
    a = department("省自然资源厅")
    b = department("省水利厅")
    m1 = _matter(j, "拆分一", a, cooperating=[b])
    m2 = _matter(j, "拆分二", b, cooperating=[a])
    matters, _duties, _units = split_plan(a)
    assert {m1.id, m2.id} <= {m.id for m in matters}
    allocation = {m.id: 0 for m in matters}
    allocation[m2.id] = 1
    successors = split_department(
        a,
        [NewDepartment("省自然资源规划厅", "", "自然资源"), b],
        matters=allocation,
        basis=BASIS,
        actor=ACTOR,
    )
    new = successors[0]
    assert _roles(m1) == {"省自然资源规划厅": "lead", "省水利厅": "cooperating"}
    assert _roles(m2) == {"省水利厅": "lead"}  # b was lead already: one role, the stronger
    assert not fresh(a).active
    rows = db.session.scalars(select(DepartmentSuccession).where(DepartmentSuccession.kind == "split")).all()
    assert {r.to_department_id for r in rows} == {new.id, b.id}


def test_split_refuses_a_matter_without_successor(demo):
    a = department("省自然资源厅")
    with pytest.raises(DomainError, match="继任部门"):
        split_department(a, [department("省水利厅"), department("省林业局")], matters={}, actor=ACTOR)
    assert fresh(a).active


# -- the pages ------------------------------------------------------------------------------------


def test_office_renames_on_the_page_and_the_old_name_stays_visible(browser):
    browser.login("province_office")
    sthj = department("省生态环境厅")
    url = f"/manage/departments/{sthj.id}/rename"
    page = browser.get(url)
    assert "原名称「省生态环境厅」作为曾用名保留" in page
    response = browser.post(
        url,
        {
            "name": "省生态环境保护厅",
            "short_name": "",
            "doc_number": "示编发〔2026〕5号",
            "effective_date": "2026-03-01",
        },
    )
    assert response.status_code == 302
    page = browser.get(f"/manage/departments/{sthj.id}")
    assert "<h1>省生态环境保护厅" in page and "省生态环境厅" in page and "曾用名" in page
    assert "示编发〔2026〕5号" in page
    # The public page shows the version in force: the name it was published under, and nothing of the
    # new one until a version with it is published (reviewer #17: working data is not public).
    public = browser.client.get(f"/departments/{sthj.id}").get_data(as_text=True)
    assert "省生态环境厅" in public and "省生态环境保护厅" not in public and "示编发〔2026〕5号" not in public
    from registry.core.timezone import local_today
    from registry.versions import services as version_services

    version_services.publish_version(
        jurisdiction("990000"),
        label="2026年版",
        doc_number="示政办发〔2026〕1号",
        effective_date=local_today(),
        publisher="示例省人民政府",
        actor="测试",
    )
    db.session.commit()
    public = browser.client.get(f"/departments/{sthj.id}").get_data(as_text=True)
    assert "已更名为「省生态环境保护厅」" in public and "示编发〔2026〕5号" in public


def test_rename_shows_every_problem_at_once(browser):
    browser.login("province_office")
    sthj = department("省生态环境厅")
    response = browser.post(f"/manage/departments/{sthj.id}/rename", {"name": "省水利厅", "short_name": "省财政厅"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="name-error"' in page and 'id="short_name-error"' in page
    assert fresh(sthj).name == "省生态环境厅"


def test_office_merges_on_the_page_and_old_pages_name_the_successor(browser):
    browser.login("province_office")
    a, c = department("省能源局"), department("省发展和改革委员会")
    url = f"/manage/departments/{a.id}/merge"
    assert "被合并的部门" in browser.get(url)
    # Without the confirmation box nothing happens.
    page = browser.post(url, {"sources": [str(a.id)], "target": str(c.id)}).get_data(as_text=True)
    assert "请勾选确认" in page and fresh(a).active
    response = browser.post(
        url,
        {"sources": [str(a.id)], "target": str(c.id), "doc_number": "示编发〔2026〕6号", "confirm": "y"},
        follow=True,
    )
    assert response.status_code == 200 and "已将「省能源局」并入「省发展和改革委员会」" in response.get_data(
        as_text=True
    )
    assert not fresh(a).active
    old = browser.get(f"/manage/departments/{a.id}")
    assert "本部门已并入" in old and f'href="/manage/departments/{c.id}"' in old and "示编发〔2026〕6号" in old
    public = browser.client.get(f"/departments/{a.id}")
    assert public.status_code == 200
    text = public.get_data(as_text=True)
    assert "该部门已并入" in text and f'href="/departments/{c.id}"' in text
    # The list of departments says where it went.
    listing = browser.get("/manage/990000/departments")
    assert "并入" in listing and listing.count(f'href="/manage/departments/{c.id}"') >= 2
    # The successor's page says what it took over.
    assert "承接" in browser.get(f"/manage/departments/{c.id}")


def test_merge_into_a_new_department_lists_every_missing_field(browser):
    browser.login("province_office")
    a = department("省能源局")
    page = browser.post(
        f"/manage/departments/{a.id}/merge", {"sources": [str(a.id)], "target": "new", "confirm": "y"}
    ).get_data(as_text=True)
    assert "请填写新设部门全称" in page and "请填写新设部门所属系统" in page and fresh(a).active


def test_office_splits_on_the_page(browser):
    browser.login("province_office")
    a, b = department("省自然资源厅"), department("省水利厅")
    url = f"/manage/departments/{a.id}/split"
    matters, _d, _u = split_plan(a)
    assert matters
    slots = {
        "s0-department": "new",
        "s0-name": "省自然资源规划厅",
        "s0-sector": "自然资源",
        "s1-department": str(b.id),
        "s2-department": "0",
    }
    hidden = browser.form(url)
    page = browser.post(url, {**slots, "preview": "1"}, hidden=hidden).get_data(as_text=True)
    assert "确认拆分" in page and f'name="m-{matters[0].id}"' in page and fresh(a).active
    choices = {f"m-{m.id}": "1" for m in matters}
    response = browser.post(url, {**slots, **choices, "confirm": "1"}, hidden=hidden)
    assert response.status_code == 302
    assert not fresh(a).active
    for m in matters:
        assert b.id in {x.department_id for x in fresh(m).assignments}
    page = browser.get(f"/manage/departments/{a.id}")
    assert "本部门已拆分" in page and "省自然资源规划厅" in page and "省水利厅" in page


def test_department_form_kind_and_other_names(browser):
    browser.login("province_office")
    sthj = department("省生态环境厅")
    url = f"/manage/departments/{sthj.id}/edit"
    data = {"name": sthj.name, "short_name": sthj.short_name, "sector": "", "kind": "department"}
    # Every problem at once: the sector, and a name that is another department's.
    page = browser.post(url, {**data, "aliases_short": "省环保厅\n省水利厅"}).get_data(as_text=True)
    assert "请填写所属系统" in page and "「省水利厅」已是部门「省水利厅」的名称" in page
    response = browser.post(
        url, {**data, "sector": "生态环境", "aliases_short": "省环保厅", "aliases_old": "省环境保护厅"}
    )
    assert response.status_code == 302
    assert {(a.name, a.kind) for a in fresh(sthj).aliases} == {("省环保厅", "short"), ("省环境保护厅", "old")}
    assert "省环境保护厅" in browser.get(f"/manage/departments/{sthj.id}")
    # Removing a line removes the name.
    browser.post(url, {**data, "sector": "生态环境", "aliases_short": "省环保厅"})
    assert [a.name for a in fresh(sthj).aliases] == ["省环保厅"]
    # A new body (非常设机构) whose name is someone's other name is refused.
    page = browser.post(
        "/manage/990000/departments/new", {"name": "省环保厅", "sector": "生态环境", "kind": "body"}
    ).get_data(as_text=True)
    assert "已有部门" in page
    response = browser.post(
        "/manage/990000/departments/new", {"name": "省大气污染防治领导小组办公室", "sector": "生态环境", "kind": "body"}
    )
    assert response.status_code == 302 and department("省大气污染防治领导小组办公室").kind == "body"


@pytest.mark.parametrize("action", ["rename", "merge", "split"])
def test_only_the_own_office_may_reorganise(browser, action):
    sthj = department("省生态环境厅")
    url = f"/manage/departments/{sthj.id}/{action}"
    for user in ("jiangchuan_office", "sthj_head"):
        browser.login(user)
        assert browser.client.get(url).status_code in (403, 404)
        assert browser.client.post(url, data={"name": "x"}).status_code in (400, 403, 404)
    assert fresh(sthj).name == "省生态环境厅" and fresh(sthj).active


def test_public_page_learns_of_a_merge_after_it_was_cached(app, browser):
    from tests.conftest import another_client

    a, c = department("省农业农村厅"), department("省林业局")
    public = another_client(app)
    before = public.get(f"/departments/{a.id}")
    assert before.status_code == 200 and "该部门已并入" not in before.get_data(as_text=True)
    browser.login("province_office")
    response = browser.post(
        f"/manage/departments/{a.id}/merge", {"sources": [str(a.id)], "target": str(c.id), "confirm": "y"}, follow=True
    )
    # The merged department's accounts stay where they are: the office is told, nothing moves silently.
    assert "原部门仍有" in response.get_data(as_text=True)
    from registry.auth.models import User

    assert db.session.scalar(select(User.department_id).where(User.username == "nync_head")) == a.id
    assert "仍有 " in browser.get(f"/manage/departments/{a.id}")
    public = another_client(app)
    after = public.get(f"/departments/{a.id}", headers={"If-None-Match": before.headers.get("ETag", "")})
    assert after.status_code == 200 and "该部门已并入" in after.get_data(as_text=True)
