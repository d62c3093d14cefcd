"""The targets pages behind the sign-in: the office defines, edits, deletes and locks; the lead
department records values; other departments are refused; offices above read only."""

import re

import pytest
from sqlalchemy import func, select

from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.lists.models import Matter, PolicyDocument
from registry.targets import services
from registry.targets.models import IndicatorValue, TargetIndicator
from registry.targets.views import last_year
from tests import factories
from tests.targets.pages import CSRF_RE, HIDDEN_RE, Browser, department, jurisdiction, open_year, text

NAME = "测试指标：地表水国控断面优良比例"


@pytest.fixture
def browser(client, auth, demo):
    return Browser(client, auth)


@pytest.fixture
def province(demo):
    return jurisdiction("990000")


@pytest.fixture
def sthj(demo):
    return department("990000", "省生态环境厅")


@pytest.fixture
def made(province, sthj):
    """An indicator of the province led by 省生态环境厅, with a value in 2021 (written directly: the
    demo may have locked that year)."""
    made = factories.indicator(
        province, sthj, name=NAME, unit="%", direction="higher", baseline=(2020, 80.0), target=(2030, 90.0)
    )
    return _with_value(made, 2021, 82.0)


def _with_value(made: TargetIndicator, year: int, value: float) -> TargetIndicator:
    db.session.add(IndicatorValue(indicator=made, year=year, value=value, source="监测数据"))
    db.session.flush()
    db.session.refresh(made)
    return made


def _form(**changes) -> dict[str, str]:
    data = {
        "name": NAME,
        "unit": "%",
        "direction": "higher",
        "binding": "binding",
        "baseline_year": "2020",
        "baseline_value": "80",
        "target_year": "2030",
        "target_value": "90",
        "stretch_value": "",
        "description": "国控断面水质达到或优于Ⅲ类的比例。",
        "plan": "",
        "new_plan_title": "",
        "new_plan_number": "",
        "lead_department": "",
    }
    return {**data, **changes}


def _indicator(province, name=NAME) -> TargetIndicator | None:
    return db.session.scalar(
        select(TargetIndicator).where(TargetIndicator.jurisdiction_id == province.id, TargetIndicator.name == name)
    )


def test_the_office_defines_an_indicator_with_a_new_plan(browser, province, sthj):
    browser.login("province_office")
    url = f"/manage/{province.code}/indicators/new"
    response = browser.post(
        url,
        _form(
            lead_department=str(sthj.id),
            plan="new",
            new_plan_title="《示例省生态环境保护“十四五”规划》",
            new_plan_number="示政发〔2022〕9号",
            stretch_value="92",
        ),
    )
    assert response.status_code == 302
    made = _indicator(province)
    assert made.lead_department == sthj
    assert made.stretch_value == 92.0
    assert (made.plan.title, made.plan.doc_number) == ("示例省生态环境保护“十四五”规划", "示政发〔2022〕9号")
    page = text(browser.get(response.headers["Location"]))
    assert NAME in page and "≥90%（力争92）" in page
    audited = db.session.scalars(
        select(AuditEntry.entity_type).where(AuditEntry.jurisdiction_id == province.id).order_by(AuditEntry.id.desc())
    ).all()[:2]
    assert set(audited) == {"target_indicators", "policy_documents"}
    listing = text(browser.get(f"/manage/{province.code}/indicators"))
    assert NAME in listing and "新增指标" in listing


def test_every_problem_of_the_form_is_shown_at_once_and_the_input_is_kept(browser, province):
    browser.login("province_office")
    response = browser.post(
        f"/manage/{province.code}/indicators/new",
        _form(
            name="",
            baseline_value="八十",
            target_year="2019",
            direction="",
            plan="new",
            new_plan_title="",
        ),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for message in (
        "请填写指标名称。",
        "请填写数值",
        "目标年份不能早于基准年份。",
        "请选择指标方向",
        "请选择牵头部门。",
    ):
        assert message in page, message
    assert "请填写新规划文件的名称。" in page
    assert 'value="八十"' in page  # nothing typed is lost
    assert db.session.scalar(select(func.count()).select_from(TargetIndicator).where(TargetIndicator.name == "")) == 0


def test_the_matters_sharing_words_with_the_name_are_offered_first(browser, province):
    straw = db.session.scalar(
        select(Matter).where(Matter.jurisdiction_id == province.id, Matter.title.contains("秸秆"))
    )
    browser.login("province_office")
    response = browser.post(f"/manage/{province.code}/indicators/new", _form(name="秸秆综合利用率", direction=""))
    page = response.get_data(as_text=True)
    suggested = page.split("名称相近的事项", 1)[1].split("<details", 1)[0]
    assert straw.title in suggested


def test_the_office_edits_and_a_stale_copy_is_refused(browser, province, sthj):
    made = factories.indicator(
        province, sthj, name=NAME, unit="%", direction="higher", baseline=(2020, 80.0), target=(2030, 90.0)
    )
    browser.login("province_office")
    url = f"/manage/indicators/{made.id}/edit"
    hidden = browser.hidden(url)
    response = browser.client.post(url, data={**hidden, **_form(lead_department=str(sthj.id), target_value="95")})
    assert response.status_code == 302
    assert db.session.get(TargetIndicator, made.id).target_value == 95.0
    # The same page submitted again carries the old version: refused, the input kept.
    response = browser.client.post(url, data={**hidden, **_form(lead_department=str(sthj.id), target_value="96")})
    assert response.status_code == 400
    assert "已被他人修改" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TargetIndicator, made.id).target_value == 95.0


def test_the_office_deletes_after_confirming(browser, province, sthj):
    made = factories.indicator(province, sthj, name=NAME, unit="%", direction="higher", target=(2030, 90.0))
    services.record_value(made, actor="测试", year=open_year(province.id, last_year()), value=85.0, source="监测数据")
    browser.login("province_office")
    url = f"/manage/indicators/{made.id}/delete"
    assert "不能恢复" in browser.get(url)
    response = browser.post(url, {})
    assert response.status_code == 302
    assert _indicator(province) is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(IndicatorValue).where(IndicatorValue.indicator_id == made.id)
        )
        == 0
    )


def test_the_lead_department_records_a_value(browser, made):
    browser.login("sthj_head")
    page = browser.get(f"/manage/indicators/{made.id}")
    assert "填报数值" in page
    year = open_year(made.jurisdiction_id, last_year())
    response = browser.post(
        f"/manage/indicators/{made.id}/values",
        {"year": str(year), "month": "0", "value": "88.5", "source": "监测数据", "note": ""},
        form_at=f"/manage/indicators/{made.id}",
    )
    assert response.status_code == 302
    row = db.session.scalar(
        select(IndicatorValue).where(IndicatorValue.indicator_id == made.id, IndicatorValue.year == year)
    )
    assert (row.value, row.source) == (88.5, "监测数据")
    page = text(browser.get(response.headers["Location"]))
    assert "88.5" in page and "符合序时进度" in page


def test_every_problem_of_a_value_is_shown_at_once(browser, made):
    browser.login("sthj_head")
    response = browser.post(
        f"/manage/indicators/{made.id}/values",
        {"year": "1999", "month": "0", "value": "很多", "source": ""},
        form_at=f"/manage/indicators/{made.id}",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "年份应在基准年2020至今年" in page
    assert "请填写数值，如 28 或 91.5。" in page
    assert "请注明数据来源" in page
    assert 'value="很多"' in page


def test_another_department_may_neither_read_nor_record(browser, made):
    browser.login("nync_head")
    browser.get(f"/manage/indicators/{made.id}", status=403)
    token = browser.hidden("/")["csrf_token"]
    response = browser.client.post(
        f"/manage/indicators/{made.id}/values",
        data={"csrf_token": token, "year": "2022", "month": "0", "value": "1", "source": "监测数据"},
    )
    assert response.status_code == 403
    assert (
        db.session.scalar(
            select(IndicatorValue).where(IndicatorValue.indicator_id == made.id, IndicatorValue.year == 2022)
        )
        is None
    )


def test_the_office_does_not_record_values(browser, made):
    browser.login("province_office")
    page = browser.get(f"/manage/indicators/{made.id}")
    assert "数值由牵头部门省生态环境厅填报" in text(page)
    assert f'action="/manage/indicators/{made.id}/values"' not in page


def test_the_office_above_reads_but_does_not_edit(browser, demo):
    city = jurisdiction("990100")
    lead = department("990100", "江川市生态环境局")
    made = _with_value(factories.indicator(city, lead, name="测试指标：江川市PM2.5"), 2021, 33.0)
    browser.login("province_office")
    page = text(browser.get(f"/manage/{city.code}/indicators"))
    assert "测试指标：江川市PM2.5" in page and "本页只读" in page and "新增指标" not in page
    assert "修改定义" not in browser.get(f"/manage/indicators/{made.id}")
    browser.get(f"/manage/{city.code}/indicators/new", status=403)
    browser.get(f"/manage/indicators/{made.id}/edit", status=403)
    browser.get(f"/manage/{city.code}/indicators/lock", status=403)


def test_the_office_locks_a_year_and_the_department_can_no_longer_change_it(browser, made, province, sthj):
    year = open_year(province.id, last_year())
    services.record_value(made, actor="测试", year=year, value=85.0, source="监测数据")
    other = factories.indicator(
        province, sthj, name="测试指标：无数值", unit="%", direction="higher", target=(2030, 99.0)
    )
    browser.login("province_office")
    page = text(browser.get(f"/manage/{province.code}/indicators/lock?year={year}"))
    assert "不能撤销" in page
    assert other.name in page  # listed among those without a value that year
    response = browser.post(
        f"/manage/{province.code}/indicators/lock",
        {"year": str(year)},
        form_at=f"/manage/{province.code}/indicators/lock?year={year}",
    )
    assert response.status_code == 302
    assert services.is_locked(province.id, year)

    browser.login("sthj_head")
    page = browser.get(f"/manage/indicators/{made.id}")
    value = db.session.scalar(
        select(IndicatorValue).where(IndicatorValue.indicator_id == made.id, IndicatorValue.year == year)
    )
    assert f"/manage/indicator-values/{value.id}/delete" not in page  # no edit controls on a locked year
    assert "已锁定" in page
    response = browser.post(
        f"/manage/indicators/{made.id}/values",
        {"year": str(year), "month": "0", "value": "99", "source": "统计公报"},
        form_at=f"/manage/indicators/{made.id}",
    )
    assert response.status_code == 400
    assert f"{year}年度的数据已锁定" in response.get_data(as_text=True)
    # Deleting it through the confirmation page is refused too.
    response = browser.post(
        f"/manage/indicator-values/{value.id}/delete",
        {"lock_version": str(value.lock_version)},
        form_at=f"/manage/indicators/{made.id}",
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(IndicatorValue, value.id).value == 85.0


def test_the_department_deletes_a_value_after_confirming(browser, made):
    value = services.record_value(
        made, actor="测试", year=open_year(made.jurisdiction_id, last_year()), value=85.0, source="监测数据"
    )
    browser.login("sthj_head")
    url = f"/manage/indicator-values/{value.id}/delete"
    assert "确认删除" in browser.get(url)
    assert browser.post(url, {}).status_code == 302
    assert db.session.get(IndicatorValue, value.id) is None


def test_forms_refuse_a_post_without_its_csrf_token(browser, province, sthj, made):
    browser.login("province_office")
    response = browser.client.post(
        f"/manage/{province.code}/indicators/new", data=_form(lead_department=str(sthj.id), name="无令牌指标")
    )
    assert response.status_code == 400
    assert _indicator(province, "无令牌指标") is None
    browser.login("sthj_head")
    response = browser.client.post(
        f"/manage/indicators/{made.id}/values", data={"year": "2022", "month": "0", "value": "1", "source": "监测数据"}
    )
    assert response.status_code == 400
    assert (
        db.session.scalar(
            select(IndicatorValue).where(IndicatorValue.indicator_id == made.id, IndicatorValue.year == 2022)
        )
        is None
    )


def test_the_chart_is_an_svg_image_with_its_own_policy(browser, made):
    browser.login("sthj_head")
    page = browser.get(f"/manage/indicators/{made.id}")
    assert f"/manage/indicators/{made.id}/chart.svg" in page
    response = browser.client.get(f"/manage/indicators/{made.id}/chart.svg?size=narrow")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    assert "style-src 'unsafe-inline'" in response.headers["Content-Security-Policy"]
    assert "<svg" in response.get_data(as_text=True) and "<script" not in response.get_data(as_text=True)


def test_the_workbench_shows_each_its_indicators(browser, made):
    browser.login("sthj_head")
    page = text(browser.get("/manage/"))
    assert "我牵头的目标指标" in page and NAME in page
    assert f"还没有填报{last_year()}年数值" in page  # its only value is of 2021
    browser.login("province_office")
    page = browser.get("/manage/")
    assert "项目标指标" in page
    assert f"/manage/990000/indicators?missing={last_year()}" in page
    missing = text(browser.get(f"/manage/990000/indicators?missing={last_year()}"))
    assert NAME in missing


def test_the_empty_state_invites_the_office_to_define_or_import(client, auth, demo):
    place = factories.jurisdiction("970000", "province", name="空白省")
    factories.user("blank_office", "office_admin", place)
    assert auth.login("blank_office", "password-123").status_code == 302
    page = text(client.get(f"/manage/{place.code}/indicators").get_data(as_text=True))
    assert "尚未定义目标指标" in page and "从表格导入" in page


def test_plan_documents_of_another_jurisdiction_are_refused(browser, province, sthj):
    city = jurisdiction("990100")
    foreign = PolicyDocument(jurisdiction_id=city.id, title="江川市的规划", doc_number="")
    db.session.add(foreign)
    db.session.flush()
    browser.login("province_office")
    response = browser.post(
        f"/manage/{province.code}/indicators/new", _form(lead_department=str(sthj.id), plan=str(foreign.id))
    )
    assert response.status_code == 400
    assert "规划文件应为本地区的文件。" in response.get_data(as_text=True)


# -- defects found in review -----------------------------------------------------------------------


def _locked(province, year: int) -> None:
    if not services.is_locked(province.id, year):
        services.lock_year(province, year, actor="测试")


def test_digits_that_are_not_ascii_are_refused_not_a_server_error(browser, made, province, sthj):
    """ "²" and "፩" are digits to str.isdigit, not to int(): every place that reads a year says why."""
    browser.login("province_office")
    assert browser.get(f"/manage/indicators/{made.id}?year=²&month=³")
    page = text(browser.get(f"/manage/{province.code}/indicators/lock?year=²"))
    assert "不能锁定该年度" in page and "确认锁定" not in page
    response = browser.post(f"/manage/{province.code}/indicators/lock", {"year": "²"})
    assert response.status_code == 400
    response = browser.post(
        f"/manage/{province.code}/indicators/new",
        _form(name="测试指标：其他数字", baseline_year="፩፪፫፬", target_year="２０３０", lead_department=str(sthj.id)),
    )
    assert response.status_code == 400
    assert "请填写四位数的年份" in text(response.get_data(as_text=True))
    browser.login("sthj_head")
    response = browser.post(
        f"/manage/indicators/{made.id}/values",
        {"year": "፩፪፫፬", "month": "0", "value": "1", "source": "监测数据"},
        form_at=f"/manage/indicators/{made.id}",
    )
    assert response.status_code == 400
    assert "请填写四位数的年份" in text(response.get_data(as_text=True))


def test_a_locked_indicator_shows_its_targets_read_only_and_refuses_changing_them(browser, made, province, sthj):
    _locked(province, 2021)  # made has its 2021 value
    browser.login("province_office")
    url = f"/manage/indicators/{made.id}/edit"
    page = browser.get(url)
    assert "2021年的数值已锁定公开" in text(page)
    assert re.search(r'<input[^>]*name="target_value"[^>]*readonly', page)
    assert not re.search(r'<input[^>]*name="name"[^>]*readonly', page)
    changed = _form(
        lead_department=str(sthj.id), name="测试指标：改名", direction="lower", baseline_year="2022", target_value="95"
    )
    response = browser.post(url, changed)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for field in ("direction", "baseline_year", "target_value"):
        assert f'id="{field}-error"' in page, field
    assert "现为越高越好" in page and "现为2020" in page and "现为90" in page
    # The page shown again holds the stored values in its read-only fields: it can be saved as it is.
    assert 'value="90"' in re.search(r'<input[^>]*name="target_value"[^>]*>', page).group(0)
    db.session.expire_all()
    assert (made.name, made.target_value) == (NAME, 90.0)  # nothing saved, not even the name
    response = browser.post(url, _form(lead_department=str(sthj.id), name="测试指标：改名", unit="％"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (made.name, made.unit, made.target_value) == ("测试指标：改名", "％", 90.0)


def _record(browser, made, hidden: dict, **entered):
    data = {**hidden, "month": "0", "source": "监测数据", "note": "", **entered}
    return browser.client.post(f"/manage/indicators/{made.id}/values", data=data)


def _hidden(html: str) -> dict[str, str]:
    return {"csrf_token": CSRF_RE.search(html).group(1), **dict(HIDDEN_RE.findall(html))}


def test_changing_the_year_of_a_correction_is_not_taken_for_someone_elses_change(browser, made):
    first, second = open_year(made.jurisdiction_id, last_year()), None
    second = open_year(made.jurisdiction_id, first - 1)
    services.record_value(made, actor="测试", year=first, value=85.0, source="监测数据")
    browser.login("sthj_head")
    hidden = browser.hidden(f"/manage/indicators/{made.id}?year={first}")  # the form of first's value
    assert hidden["value_version"] and hidden["version_year"] == str(first)
    response = _record(browser, made, hidden, year=str(second), value="84")
    assert response.status_code == 302
    assert services.find_value(made, second).value == 84.0
    assert services.find_value(made, first).value == 85.0


def test_a_value_recorded_meanwhile_is_shown_and_overwritten_only_when_confirmed(browser, made):
    year = open_year(made.jurisdiction_id, last_year())
    browser.login("sthj_head")
    hidden = browser.hidden(f"/manage/indicators/{made.id}?year={year}")  # no value yet
    assert not hidden.get("value_version")
    services.record_value(made, actor="测试", year=year, value=85.0, source="统计公报")  # someone else, meanwhile
    db.session.commit()  # theirs is saved (the view's rollback of the refused save must not undo it)
    response = _record(browser, made, hidden, year=str(year), value="86")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f"{year}年已有数值 85%（来源：统计公报）" in text(page) and "请确认后再次保存" in page
    assert 'value="86"' in page  # what the user typed is kept
    db.session.expire_all()
    assert services.find_value(made, year).value == 85.0
    # Saving the page shown again (it now carries that value's version) corrects it.
    response = _record(browser, made, _hidden(page), year=str(year), value="86")
    assert response.status_code == 302
    db.session.expire_all()
    assert services.find_value(made, year).value == 86.0


def test_only_ended_unlocked_years_are_offered_for_locking(browser, made, province):
    browser.login("province_office")
    page = browser.get(f"/manage/{province.code}/indicators/lock")
    offered = {int(y) for y in re.findall(r'<option value="(\d+)"', page)}
    locked = services.locked_years(province.id)
    assert offered == {y for y in range(2020, last_year() + 1) if y not in locked}
    this_year = last_year() + 1
    assert "确认锁定" not in browser.get(f"/manage/{province.code}/indicators/lock?year={this_year}")
    response = browser.post(
        f"/manage/{province.code}/indicators/lock",
        {"year": str(this_year)},
        form_at=f"/manage/{province.code}/indicators/lock",
    )
    assert response.status_code == 400
    assert "尚未结束" in text(response.get_data(as_text=True))
    assert not services.is_locked(province.id, this_year)


def test_the_lock_page_says_why_there_is_nothing_to_lock(client, auth, demo):
    place = factories.jurisdiction("970000", "province", name="空白省")
    lead = factories.department(place, "空白省生态环境厅")
    factories.user("blank_office", "office_admin", place)
    assert auth.login("blank_office", "password-123").status_code == 302
    page = text(client.get(f"/manage/{place.code}/indicators/lock").get_data(as_text=True))
    assert "本级还没有目标指标" in page and "下一步" not in page
    this_year = last_year() + 1
    factories.indicator(place, lead, baseline=(this_year, 35.0), target=(this_year + 5, 28.0))
    page = text(client.get(f"/manage/{place.code}/indicators/lock").get_data(as_text=True))
    assert f"基准年是{this_year}年" in page and "下一步" not in page


def test_the_record_form_does_not_open_on_a_locked_year(browser, made, province):
    """Once last year is locked, the lead department's form offers the next open year, not the locked
    year with its value filled in (saving that could only be refused)."""
    _locked(province, last_year())
    browser.login("sthj_head")
    html = browser.get(f"/manage/indicators/{made.id}")
    year = re.search(r'<input[^>]*name="year"[^>]*value="(\d+)"', html).group(1)
    assert int(year) not in services.locked_years(province.id)
    assert int(year) == last_year() + 1
    # A year asked for explicitly is still shown (the 更正 links of open years, a locked year's page).
    html = browser.get(f"/manage/indicators/{made.id}?year={last_year()}")
    assert re.search(rf'<input[^>]*name="year"[^>]*value="{last_year()}"', html)
