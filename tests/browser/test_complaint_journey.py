"""Issue #17's "Done when", in Chromium against the real server (gunicorn), as people would do it: a
person reports 村里有人烧秸秆 in 江川市 and sees the straw matter's lead (and cooperating) department
before submitting, gets a 查询码; the lead department finds it in its 举报 inbox and in its 消息,
transfers it (first without naming a department: told so next to the field) to its cooperating
department naming the matter and a reason; that department accepts and answers; the person looks it
up, reads the reply and rates it 满意; 江川市's public statistics count one more complaint received,
transferred and answered. Only what the pages show is asserted."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, solve_captcha

pytestmark = pytest.mark.browser

# The demo's 江川市 department heads (registry.demo), by department.
HEADS = {
    "江川市农业农村局": "jcnyj_head",
    "江川市生态环境局": "jcsthjj_head",
    "江川市住房和城乡建设局": "jczjj_head",
}
WHAT = "村里有人烧秸秆"
PLACE = "江川市青石镇河湾村村口晒场"
REASON = "秸秆禁烧网格化巡查由农业农村部门在村里组织实施，请核查处理。"
REPLY = "已派网格员到河湾村村口晒场核查，现场明火已扑灭，对焚烧人进行了批评教育，并落实秸秆离田还田。"
TOTALS = ("收到举报", "转办", "办结")


def _city_totals(page, base: str) -> dict[str, int]:
    """江川市's public statistics, reached as a person would: 责任清单 → 江川市 → 公众举报办理情况."""
    page.goto(base + "/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="责任清单").click()
    page.locator("main").get_by_role("link", name="江川市", exact=True).first.click()
    page.locator("main").get_by_role("link", name="公众举报办理情况").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("江川市公众举报办理情况")
    shown = {}
    for text in page.locator("ul.complaint-totals > li").all_inner_texts():
        if found := re.match(r"(\d+)\s*(\S+?)\s*(?:\n|$)", text.strip()):
            shown[found.group(2)] = int(found.group(1))
    assert set(TOTALS) <= set(shown), shown
    return {label: shown[label] for label in TOTALS}


def _sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, base, username)


def _messages(page):
    page.get_by_role("navigation", name="账户").get_by_role("link", name=re.compile("^消息")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("消息")
    return page.locator("main .notice-list > li")


def test_a_report_reaches_the_lead_is_transferred_answered_rated_and_counted(page, live_server):
    base, facts = live_server
    straw, lead, cooperating = facts["straw"], facts["new_lead"], facts["old_lead"]
    before = _city_totals(page, base)

    # -- the person reports it (no login) ---------------------------------------------------------
    page.goto(base + "/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我要举报").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我要举报")
    form = page.locator("main form")
    form.get_by_label("发生了什么").fill(WHAT)
    form.get_by_label("地点").select_option(label="\u3000江川市")
    form.get_by_label("详细地址或位置描述").fill(PLACE)
    form.get_by_role("button", name="下一步：看看谁负责").click()

    # before submitting: the matter it looks like, who leads and cooperates, who will receive it
    expect(page.get_by_role("heading", level=1)).to_have_text("确认事项并提交")
    expect(page.locator("main")).to_contain_text(WHAT)
    choice = page.locator(".matter-choice").filter(has_text=straw).first
    expect(choice).to_contain_text(f"牵头部门：{lead}")
    expect(choice).to_contain_text(f"配合部门：{cooperating}")
    expect(choice).to_contain_text(f"选此项将交由{lead}办理")
    choice.get_by_text(straw).click()  # picks it
    expect(choice.locator("input[type=radio]")).to_be_checked()
    expect(page.locator("#receiver-name")).to_have_text(lead)
    solve_captcha(page)  # as a person reading the image would
    page.locator("main form").get_by_role("button", name="提交", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("举报已提交")
    code = page.locator("#complaint-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-Z]{5}-[2-9A-Z]{5}", code), code
    expect(page.locator("main")).to_contain_text(f"您的举报已交由 {lead} 办理。")
    expect(page.locator("main")).to_contain_text(f"该部门是“{straw}”的牵头部门")

    # -- the lead department: its 举报 inbox and its 消息 ---------------------------------------
    _sign_in(page, base, HEADS[lead])
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="举报", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("举报")
    row = page.locator("table.complaint-list tbody tr").filter(has_text=PLACE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(straw)
    expect(row).to_contain_text("待受理")
    handle = row.get_by_role("link").inner_text().strip()  # 举报 #N
    number = handle.removeprefix("举报 ")
    assert re.fullmatch(r"#\d+", number), handle

    notices = _messages(page)
    notice = notices.filter(has_text=re.compile(rf"收到公众举报 {number}(?!\d)"))
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("未读")
    expect(notice).to_contain_text(f"地点：{PLACE}；事项：{straw}")
    notice.get_by_role("button", name=f"收到公众举报 {number}", exact=True).click()  # opens the complaint
    expect(page.get_by_role("heading", level=1)).to_contain_text(handle)
    expect(page.locator("main")).to_contain_text(WHAT)

    # 转办: first without naming a department, then to the cooperating department with the matter
    page.get_by_role("link", name="转办…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"转办{handle}")
    transfer = page.locator("#transfer-form")
    transfer.get_by_label("转办理由").fill(REASON)
    transfer.get_by_label(re.compile("我确认转办")).check()
    transfer.get_by_role("button", name="转办", exact=True).click()
    expect(page.locator("#transfer-department-error")).to_have_text("请选择转办给哪个部门。")
    expect(page.locator(".error-summary")).to_contain_text("转办给：请选择转办给哪个部门。")
    transfer = page.locator("#transfer-form")
    expect(transfer.get_by_label("转办理由")).to_have_value(REASON)  # nothing typed is lost

    page.wait_for_load_state()  # complaints.js lists the matters once a department is chosen
    transfer.get_by_label("转办给").select_option(label=cooperating)
    transfer = page.locator("#transfer-form")
    expect(transfer.get_by_label("所属事项").locator("option", has_text=straw)).to_have_count(1)
    transfer.get_by_label("所属事项").select_option(label=straw)
    expect(transfer.get_by_label("转办理由")).to_have_value(REASON)
    transfer.get_by_label(re.compile("我确认转办")).check()
    transfer.get_by_role("button", name="转办", exact=True).click()
    expect(page.locator(".flash-success")).to_have_text(f"已转办给{cooperating}（事项：{straw}）。")

    # -- the department it was transferred to accepts and answers it ------------------------------
    _sign_in(page, base, HEADS[cooperating])
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="举报", exact=True).click()
    row = page.locator("table.complaint-list tbody tr").filter(has_text=PLACE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(cooperating)
    expect(row).to_contain_text("待受理")
    notice = _messages(page).filter(has_text=re.compile(rf"{lead}转办来举报 {number}(?!\d)"))
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(f"地点：{PLACE}；事项：{straw}")
    notice.get_by_role("button", name=f"{lead}转办来举报 {number}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(handle)
    timeline = page.locator("main ol.timeline")
    expect(timeline).to_contain_text(f"转至：{cooperating}")
    expect(timeline).to_contain_text(f"所属事项：{straw}")
    expect(timeline).to_contain_text(REASON)
    expect(page.locator("main dl.facts")).to_contain_text("此后转办 1 次")

    page.locator("#accept").get_by_role("button", name="受理").click()
    expect(page.locator(".flash-success")).to_contain_text("已受理")
    expect(page.get_by_role("heading", level=1)).to_contain_text("办理中")
    answer = page.locator("#answer")
    answer.get_by_label("答复", exact=True).fill(REPLY)
    answer.get_by_label(re.compile("我确认办结")).check()
    answer.get_by_role("button", name="办结").click()
    expect(page.locator(".flash-success")).to_contain_text("已办结")
    expect(page.get_by_role("heading", level=1)).to_contain_text("已办结")

    # -- the person looks it up with the 查询码 and rates the reply -------------------------------
    page.context.clear_cookies()
    page.goto(base + "/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我要举报").click()
    page.get_by_role("link", name="用查询码查询办理进度").click()
    page.locator("main form").get_by_label("查询码").fill(code)
    page.locator("main form").get_by_role("button", name="查询").click()
    tracked = page.locator(".tracked")
    expect(tracked).to_contain_text("已办结")
    expect(tracked.locator("dt", has_text="当前办理部门").locator("+ dd")).to_have_text(cooperating)
    expect(tracked).to_contain_text(straw)
    expect(page.locator("main .reply")).to_have_text(REPLY)
    expect(page.locator("main ol.timeline")).to_contain_text(f"转交 {cooperating} 办理（事项：{straw}）")
    expect(page.locator("main ol.timeline")).to_contain_text(REASON)  # the transfer form says it is public

    rating = page.locator("main form").filter(has=page.get_by_role("button", name="提交评价"))
    rating.get_by_label("满意", exact=True).check()
    rating.get_by_role("button", name="提交评价").click()
    expect(page.locator(".flash-success")).to_have_text("感谢您的评价。")
    expect(page.locator("main .rated")).to_have_text("您的评价：满意")
    expect(page.get_by_role("button", name="提交评价")).to_have_count(0)  # once per reply

    # -- the statistics count it --------------------------------------------------------------------
    after = _city_totals(page, base)
    assert after == {label: before[label] + 1 for label in TOTALS}, (before, after)
