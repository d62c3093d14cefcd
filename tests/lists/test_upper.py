"""The upper list moves (#14): a city's list records which version of its province's list it follows;
when the province publishes a newer one, the city's office is told, sees the province's changes with
its own corresponding matters, takes over the new wording, marks changes reviewed and follows the new
version. And a department's own list (its duties) checked against the matters."""

from datetime import date

from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.lists import services, upper
from registry.lists.duty_check import check_duties, closeness
from registry.lists.models import Matter, UpperFollow
from registry.versions import services as version_services
from registry.versions.models import ListVersion
from tests import factories
from tests.lists.conftest import department, fresh, jurisdiction, matter
from tests.lists.test_audit_log import visible


def _version(code: str, label: str) -> ListVersion:
    return db.session.scalar(
        select(ListVersion).where(ListVersion.jurisdiction_id == jurisdiction(code).id, ListVersion.label == label)
    )


def _publish(j, label: str, actor="测试") -> ListVersion:
    return version_services.publish_version(
        j, label=label, doc_number=f"测〔2026〕{label}", effective_date=date(2026, 1, 1), publisher="测试", actor=actor
    )


# -- which version is followed ------------------------------------------------------------------------


def test_the_demo_city_follows_the_provinces_2024_list_and_its_version_says_so(demo):
    jiangchuan, yunling = jurisdiction("990100"), jurisdiction("990200")
    earlier, latest = _version("990000", "2024年版"), _version("990000", "2025年版")
    assert db.session.get(UpperFollow, jiangchuan.id).version_id == earlier.id
    # 云岭市 recorded none before it published: publishing recorded the province's latest.
    assert db.session.get(UpperFollow, yunling.id).version_id == latest.id
    assert _version("990100", "2025年版").follows_version_id == earlier.id
    assert _version("990200", "2025年版").follows_version_id == latest.id
    state = upper.upper_state(jiangchuan)
    assert state.behind and state.followed.label == "2024年版" and state.latest.label == "2025年版"
    assert not upper.upper_state(yunling).behind


def test_publishing_records_the_parents_latest_version_once_and_keeps_it_after(demo):
    province = jurisdiction("990000")
    city = factories.jurisdiction("990300", "city", parent=province, name="测试市")
    factories.department(city, "测试市生态环境局")
    first = _publish(city, "第一版")
    latest = _version("990000", "2025年版")
    assert db.session.get(UpperFollow, city.id).version_id == latest.id == first.follows_version_id
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "upper_follows", AuditEntry.jurisdiction_id == city.id)
    ).one()
    assert entry.action == "create" and entry.after == {"label": "2025年版"}
    # The province moves on; the city publishing something else does not silently follow it.
    newer = _publish(province, "2026年版")
    second = _publish(city, "第二版")
    assert second.follows_version_id == latest.id
    assert upper.upper_state(city).behind and upper.upper_state(city).latest.id == newer.id


def test_a_province_follows_nothing_when_the_centre_has_published_nothing(demo):
    state = upper.upper_state(jurisdiction("990000"))
    assert state.parent.name == "中央" and state.latest is None and not state.behind


# -- what moved above, and the city's counterparts ----------------------------------------------------


def test_the_changed_province_matters_are_listed_with_the_citys_corresponding_matters(demo):
    review = upper.upper_review(jurisdiction("990100"))
    changes = {c.title: c for c in review.changes}
    assert set(changes) == {"城市黑臭水体治理", "秸秆露天焚烧管控与综合利用"}
    water = changes["城市黑臭水体治理"]
    assert water.kind == "changed" and water.fields == ["description"]
    assert water.old.description == "推进城市黑臭水体整治，基本消除城市建成区黑臭水体。"
    # Found by similarity within the same category; not the other water matter.
    [found] = water.counterparts
    assert found.matter.title == "城市内河黑臭水体长治久清" and not found.linked and found.score >= upper.SIMILAR
    assert found.updates == [("description", "巩固黑臭水体整治成效，防止返黑返臭。", water.new.description)]
    # Linked by upper_matter_id, although the titles are not alike.
    [straw] = changes["秸秆露天焚烧管控与综合利用"].counterparts
    assert straw.matter.title == "秸秆禁烧网格化巡查" and straw.linked


def test_similarity_needs_the_same_category():
    assert upper.similarity("城市黑臭水体治理", "", "城市内河黑臭水体长治久清", "") >= upper.SIMILAR
    assert upper.similarity("城市黑臭水体治理", "", "工业遗留地块调查评估", "") < upper.SIMILAR


def test_the_workbench_tells_the_city_office_and_the_page_lists_the_changes(browser):
    browser.login("jiangchuan_office")
    home = visible(browser.get("/manage/"))
    assert "上级清单已更新" in home and "示例省发布了「2025年版」，本级清单跟随的是「2024年版」" in home
    page = visible(browser.get("/manage/990100/upper"))
    assert "从「2024年版」更新为「2025年版」，修改 2 项、删除 0 项、新增 0 项；其中 2 项待核对" in page
    assert "城市内河黑臭水体长治久清" in page and "秸秆禁烧网格化巡查" in page and "已关联" in page
    assert "采用上级新表述" in page and "已核对，跟随新版本" in page


def test_taking_over_the_new_wording_is_confirmed_and_audited(browser):
    browser.login("jiangchuan_office")
    province_matter = matter("城市黑臭水体治理")
    mine = matter("城市内河黑臭水体长治久清", "990100")
    url = f"/manage/matters/{mine.id}/upper-wording?upper={province_matter.id}"
    confirm = visible(browser.get(url))
    assert "巩固黑臭水体整治成效，防止返黑返臭。" in confirm and province_matter.description in confirm
    assert "确认更新" in confirm and fresh(mine).description == "巩固黑臭水体整治成效，防止返黑返臭。"
    response = browser.post(url, {})
    assert response.status_code == 302 and "/manage/990100/upper" in response.headers["Location"]
    mine = fresh(mine)
    assert mine.description == province_matter.description and mine.upper_matter_id == province_matter.id
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "matters", AuditEntry.entity_id == mine.id)
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.action == "update" and "按上级清单「2025年版」更新" in entry.summary
    assert entry.after["upper_matter"] == province_matter.id and entry.before["upper_matter"] is None
    page = visible(browser.get("/manage/990100/upper"))
    assert "已一致" in page


def test_a_change_is_marked_reviewed_and_the_list_follows_the_new_version(browser):
    browser.login("jiangchuan_office")
    province_matter = matter("秸秆露天焚烧管控与综合利用")
    hidden = browser.form("/manage/990100/upper")
    response = browser.post("/manage/990100/upper/review", {"upper": str(province_matter.id)}, hidden=hidden)
    assert response.status_code == 302
    page = visible(browser.get("/manage/990100/upper"))
    assert "其中 1 项待核对" in page and "江川市生态环境保护委员会办公室已核对" in page
    follow = browser.get("/manage/990100/upper/follow")
    assert "还有 1 项上级变化未标记为已核对" in visible(follow)
    response = browser.post("/manage/990100/upper/follow", {"version": str(_version("990000", "2025年版").id)})
    assert response.status_code == 302
    assert db.session.get(UpperFollow, jurisdiction("990100").id).version_id == _version("990000", "2025年版").id
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "upper_follows", AuditEntry.jurisdiction_id == jurisdiction("990100").id)
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.action == "update" and entry.before == {"label": "2024年版"} and entry.after == {"label": "2025年版"}
    assert "上级清单已更新" not in visible(browser.get("/manage/"))
    assert "没有需要核对的变化" in visible(browser.get("/manage/990100/upper"))


def test_following_refuses_a_version_that_is_not_the_parents(browser):
    browser.login("jiangchuan_office")
    own = _version("990100", "2025年版")
    response = browser.post("/manage/990100/upper/follow", {"version": str(own.id)})
    assert response.status_code == 200 and "请选择上级清单的一个版本。" in visible(response.get_data(as_text=True))
    assert db.session.get(UpperFollow, jurisdiction("990100").id).version_id == _version("990000", "2024年版").id


def test_another_citys_office_cannot_see_or_answer_and_the_province_only_reads(browser, client):
    yunling = jurisdiction("990200")
    factories.user("yunling_office", "office_admin", yunling)
    mine = matter("城市内河黑臭水体长治久清", "990100")
    browser.auth.login("yunling_office", "password-123")
    browser.user = "yunling_office"
    assert client.get("/manage/990100/upper").status_code == 403
    assert client.get(f"/manage/matters/{mine.id}/upper-wording?upper=1").status_code == 403
    assert "上级清单已更新" not in visible(browser.get("/manage/"))
    browser.login("province_office")
    page = visible(browser.get("/manage/990100/upper"))
    assert "城市内河黑臭水体长治久清" in page and "采用上级新表述" not in page and "标记为已核对" not in page
    assert client.get("/manage/990100/upper/follow").status_code == 403


# -- a department's own list against the matters -----------------------------------------------------


def test_duties_are_checked_against_the_matters():
    assert closeness("负责房屋建筑工地扬尘污染防治监督管理。", "建筑施工扬尘污染防治", "") >= 0.5
    assert closeness("负责道路运输车辆扬尘防治。", "城市黑臭水体治理", "") < 0.5


def test_the_check_page_names_duties_without_matters_and_led_matters_missing_from_the_duties(browser):
    housing = department("省住房城乡建设厅")
    services.add_duty(housing, "负责城市园林绿化古树名木保护。", actor="测试")
    check = check_duties(housing)
    uncovered = [d.duty.text for d in check.uncovered]
    assert uncovered == ["负责城市园林绿化古树名木保护。"]
    unmentioned = [m.title for m in check.unmentioned]
    assert "生活垃圾分类" in unmentioned and "城市黑臭水体治理" not in unmentioned
    browser.login("province_office")
    page = visible(browser.get(f"/manage/departments/{housing.id}/duty-check"))
    assert "没有对应事项的职责（1）" in page and "负责城市园林绿化古树名木保护。" in page
    assert "生活垃圾分类" in page and "城市黑臭水体治理" in page
    assert "职责与事项核对" in visible(browser.get(f"/manage/departments/{housing.id}"))


def test_the_department_itself_sees_its_check_and_others_do_not(browser, client):
    ecology, farming = department("省生态环境厅"), department("省农业农村厅")
    browser.login("sthj_editor")
    assert "职责与事项核对" in visible(browser.get(f"/manage/departments/{ecology.id}/duty-check"))
    assert client.get(f"/manage/departments/{farming.id}/duty-check").status_code == 403


def test_a_department_without_duties_gets_an_empty_state(browser):
    browser.login("province_office")
    finance = department("省财政厅")
    page = visible(browser.get(f"/manage/departments/{finance.id}/duty-check"))
    assert "本部门尚未登记职责" in page


def test_the_department_is_compared_only_with_the_matters_it_has_a_role_in(browser):
    """Reviewer #9: a department (no LIST_READ) saw the working list's titles of matters it has no part in."""
    ecology = department("省生态环境厅")
    matters = db.session.scalars(select(Matter).where(Matter.jurisdiction_id == ecology.jurisdiction_id)).all()
    other = next(m for m in matters if all(a.department_id != ecology.id for a in m.assignments))
    own = check_duties(ecology).led[0]
    url = f"/manage/departments/{ecology.id}/duty-check"
    # A duty naming both: the office sees both matters beside it, the department only its own.
    services.add_duty(ecology, f"负责{other.title}和{own.title}的监督指导。", actor="测试")
    browser.login("province_office")
    office = visible(browser.get(url)).replace(f"负责{other.title}和{own.title}", "")
    assert other.title in office and own.title in office
    browser.login("sthj_editor")
    page = visible(browser.get(url))
    assert "只对照本部门牵头、共同牵头或配合的事项" in page
    page = page.replace(f"负责{other.title}和{own.title}", "")
    assert other.title not in page and own.title in page


def test_a_review_counts_for_its_own_upper_matter_not_for_another_of_the_same_title(demo):
    """Reviewer #11: 已核对 was kept by title, so reviewing one change marked another of that title too."""
    province, city = jurisdiction("990000"), jurisdiction("990100")
    moved = {"城市黑臭水体治理", "秸秆露天焚烧管控与综合利用"}  # already changed since 2024年版
    old = next(
        m
        for m in db.session.scalars(select(Matter).where(Matter.jurisdiction_id == province.id).order_by(Matter.seq))
        if m.lead is not None and m.delegated_from_id is None and m.status != "delegated" and m.title not in moved
    )
    title, category, lead = old.title, old.category, old.lead
    services.delete_matter(old, actor="测试")
    services.create_matter(province, title=title, category=category, lead=lead, actor="测试")
    latest = _publish(province, "2026年版")
    review = upper.upper_review(city)
    removed = next(c for c in review.changes if c.kind == "removed" and c.title == title)
    added = next(c for c in review.changes if c.kind == "added" and c.title == title)
    assert upper.mark_reviewed(city, removed, latest, actor="测试") is True
    review = upper.upper_review(city)
    assert upper.find_change(review, removed.upper_id).reviewed_by == "测试"
    assert upper.find_change(review, added.upper_id).reviewed_by is None
    assert len(review.open) == len(review.changes) - 1


def test_marking_a_change_reviewed_twice_records_it_once(browser):
    """Reviewer #20b: a repeat (a second tab, a double click) wrote another audit entry."""
    browser.login("jiangchuan_office")
    province_matter = matter("秸秆露天焚烧管控与综合利用")
    hidden = browser.form("/manage/990100/upper")

    def reviews():
        return db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_type == "upper_follows",
                AuditEntry.action == "review",
                AuditEntry.jurisdiction_id == jurisdiction("990100").id,
            )
        ).all()

    first = browser.post("/manage/990100/upper/review", {"upper": str(province_matter.id)}, hidden=hidden, follow=True)
    assert "已将「秸秆露天焚烧管控与综合利用」标记为已核对。" in visible(first.get_data(as_text=True))
    again = browser.post("/manage/990100/upper/review", {"upper": str(province_matter.id)}, hidden=hidden, follow=True)
    assert "「秸秆露天焚烧管控与综合利用」此前已标记为已核对。" in visible(again.get_data(as_text=True))
    [entry] = reviews()
    assert entry.after["upper_matter_id"] == province_matter.id and entry.after["kind"] == "changed"
