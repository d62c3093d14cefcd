"""A matter's co-leads (共同牵头), territorial implementers (属地落实), deadline (完成时限) and targets,
edited on the office's matter form: saved, shown, audited; every mistake refused next to its field."""

import re

from registry.lists.models import ALL_LOWER
from tests.lists.conftest import department, fresh, matter

TITLE = "建筑施工扬尘污染防治"


def _form_data(m, **overrides):
    data = {
        "category": m.category,
        "title": m.title,
        "description": m.description,
        "lead": str(m.lead.id),
        "cooperating": [str(d.id) for d in m.cooperating],
        "lock_version": str(m.lock_version),
    }
    data.update(overrides)
    return data


def _visible(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_office_adds_a_co_lead_territorial_implementers_a_deadline_and_a_target(browser):
    browser.login("province_office")
    m = matter(TITLE)
    transport = department("省交通运输厅")
    water = department("省水利厅")
    cooperating = [str(d.id) for d in m.cooperating if d.id != transport.id]
    response = browser.post(
        f"/manage/matters/{m.id}/edit",
        _form_data(
            m,
            co_leads=[str(transport.id)],
            cooperating=cooperating + [str(water.id)],
            territorial=[ALL_LOWER],
            deadline_text="2026年6月底前",
            **{
                "targets-0-indicator": "施工工地扬尘监控覆盖率",
                "targets-0-comparison": "≥",
                "targets-0-value": "95",
                "targets-0-unit": "%",
                "targets-0-stretch_value": "98",
            },
        ),
    )
    assert response.status_code == 302, _visible(response.get_data(as_text=True))[:2000]
    saved = fresh(m)
    assert [d.short_name for d in saved.co_leads] == ["省交通运输厅"]
    assert saved.lead.short_name == "省住房城乡建设厅"  # the first named stays the one lead
    assert saved.territorial == [ALL_LOWER] and saved.deadline_text == "2026年6月底前"
    assert [t.label for t in saved.targets] == ["施工工地扬尘监控覆盖率≥95%（力争98%）"]

    page = _visible(browser.get(f"/manage/matters/{m.id}"))
    assert "共同牵头部门" in page and "省交通运输厅" in page
    assert "属地落实各下级人民政府" in page.replace("\n", "").replace(" ", "")
    assert "2026年6月底前" in page and "施工工地扬尘监控覆盖率≥95%（力争98%）" in page
    # The audit log names the new fields in Chinese.
    log = _visible(browser.get(f"/manage/matters/{m.id}/audit"))
    for label in ("共同牵头部门", "属地落实", "完成时限", "量化目标"):
        assert label in log
    assert "co_leads" not in log and "territorial" not in log
    # The co-lead's department page lists the matter it co-leads.
    assert "共同牵头事项（1）" in _visible(browser.get(f"/manage/departments/{transport.id}"))
    # The working list shows the co-lead beside the lead.
    listing = _visible(browser.get("/manage/990000/matters?q=扬尘"))
    assert "共同牵头：" in listing and "省交通运输厅" in listing


def test_named_lower_jurisdictions_and_the_form_shows_what_was_saved(browser):
    browser.login("province_office")
    m = matter(TITLE)
    response = browser.post(
        f"/manage/matters/{m.id}/edit", _form_data(m, territorial=["990100", "990200"], deadline_text="年底前")
    )
    assert response.status_code == 302
    assert fresh(m).territorial == ["990100", "990200"]
    page = browser.get(f"/manage/matters/{m.id}")
    assert "江川市人民政府" in page and "云岭市人民政府" in page
    form = browser.get(f"/manage/matters/{m.id}/edit")
    assert re.search(r'value="990100"[^>]*checked|checked[^>]*value="990100"', form)
    assert 'value="年底前"' in form


def test_a_department_in_two_roles_and_other_mistakes_are_refused_all_at_once_next_to_their_fields(browser):
    browser.login("province_office")
    m = matter(TITLE)
    lead = m.lead
    transport = department("省交通运输厅")  # already cooperating on this matter
    response = browser.post(
        f"/manage/matters/{m.id}/edit",
        _form_data(
            m,
            co_leads=[str(lead.id), str(transport.id)],
            territorial=["990100", "440300"],
            **{"targets-0-indicator": "覆盖率", "targets-0-value": "九十五"},
        ),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = _visible(html)
    assert 'id="co_leads-error"' in html and "已是牵头部门，不能同时作为共同牵头部门" in page
    assert 'id="cooperating-error"' in html and "已是共同牵头部门，不能同时作为配合部门" in page
    assert 'id="territorial-error"' in html and "不是示例省的下级行政区划" in page
    assert 'id="targets-error"' in html and "第 1 项量化目标的数值应为数字" in page
    assert fresh(m).co_leads == [] and fresh(m).targets == []  # nothing saved
    assert "九十五" in html  # the input is kept


def test_all_lower_goes_alone_and_a_target_needs_its_indicator(browser):
    browser.login("province_office")
    m = matter(TITLE)
    response = browser.post(
        f"/manage/matters/{m.id}/edit",
        _form_data(m, territorial=[ALL_LOWER, "990100"], **{"targets-0-value": "36", "targets-0-unit": "μg/m³"}),
    )
    page = _visible(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "不必再逐个选择下级" in page and "第 1 项量化目标未填写指标名称" in page


def test_target_rows_are_added_and_removed_without_script(browser):
    browser.login("province_office")
    m = matter(TITLE)
    url = f"/manage/matters/{m.id}/edit"
    first = {"targets-0-indicator": "扬尘监控覆盖率", "targets-0-comparison": "≥", "targets-0-value": "95"}
    more = browser.post(url, _form_data(m, add_target="y", **first))
    html = more.get_data(as_text=True)
    assert more.status_code == 200 and fresh(m).targets == []  # nothing saved yet
    assert 'name="targets-1-indicator"' in html and 'name="targets-2-indicator"' in html  # room for two more
    second = {"targets-1-indicator": "渣土车密闭运输率", "targets-1-comparison": "=", "targets-1-value": "100"}
    assert browser.post(url, _form_data(m, **first, **second)).status_code == 302
    assert [t.indicator for t in fresh(m).targets] == ["扬尘监控覆盖率", "渣土车密闭运输率"]
    m = fresh(m)
    keep = {"targets-0-indicator": "扬尘监控覆盖率", "targets-0-value": "95", "targets-0-comparison": "≥"}
    drop = {"targets-1-indicator": "渣土车密闭运输率", "targets-1-value": "100", "targets-1-remove": "y"}
    assert browser.post(url, _form_data(m, **keep, **drop)).status_code == 302
    assert [t.label for t in fresh(m).targets] == ["扬尘监控覆盖率≥95"]


def test_editing_other_fields_keeps_co_leads_and_targets_made_by_the_services(browser):
    from registry.extensions import db
    from registry.lists import services

    m = matter(TITLE)
    transport = department("省交通运输厅")
    services.update_matter(
        m,
        title=m.title,
        category=m.category,
        description=m.description,
        lead=m.lead,
        co_leads=[transport],
        cooperating=[d for d in m.cooperating if d.id != transport.id],
        targets=[{"indicator": "覆盖率", "comparison": "≥", "value": "90", "unit": "%"}],
        actor="测试",
    )
    db.session.flush()
    # A caller that knows nothing of the new fields (decisions, older code) leaves them as they are.
    services.update_matter(
        m,
        title=m.title,
        category=m.category,
        description="新的责任内容。",
        lead=m.lead,
        cooperating=m.cooperating,
        actor="测试",
    )
    db.session.flush()
    saved = fresh(m)
    assert [d.short_name for d in saved.co_leads] == ["省交通运输厅"] and [t.label for t in saved.targets] == [
        "覆盖率≥90%"
    ]
    # What the office sees: the new text beside the co-lead and the target the edit did not name.
    browser.login("province_office")
    page = "".join(re.sub(r"<[^>]+>", " ", browser.get(f"/manage/matters/{m.id}")).split())
    assert "新的责任内容。" in page and "省交通运输厅" in page and "覆盖率≥90%" in page


def test_forged_and_extreme_target_values_are_refused_not_crashed(browser):
    browser.login("province_office")
    m = matter(TITLE)
    response = browser.post(
        f"/manage/matters/{m.id}/edit",
        _form_data(
            m,
            territorial=["abc"],
            deadline_text="年" * 101,
            **{
                "targets-0-indicator": "甲" * 201,
                "targets-0-comparison": "≈",
                "targets-0-value": "1" * 400,
                "targets-0-unit": "u" * 31,
                "targets-0-stretch_value": "nan",
                "targets-0-text": "字" * 301,
                "targets-99-indicator": "越界",
            },
        ),
    )
    assert response.status_code == 200
    page = _visible(response.get_data(as_text=True))
    for message in ("指标名称超过 200 字", "比较方式无效", "数值应为数字", "单位超过 30 字", "原文超过 300 字"):
        assert message in page
    assert "不是示例省的下级行政区划" in page
    assert fresh(m).targets == [] and fresh(m).territorial == []
