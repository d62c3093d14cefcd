"""Issue 3's "Done when", editing part, tried as a new user would: by following the pages' links."""

import re

from tests.lists.conftest import department, jurisdiction, matter


def _link(page: str, text: str) -> str:
    match = re.search(r'href="([^"]+)"[^>]*>\s*' + re.escape(text), page)
    assert match, f"no link 「{text}」"
    return match.group(1).replace("&amp;", "&")


def test_office_walkthrough(browser):
    browser.login("province_office")
    home = browser.get("/")
    workbench = browser.get(_link(browser.get(_link(home, "工作台")), "示例省清单概览"))

    # Add a department.
    new_department = _link(workbench, "新增部门")
    assert browser.post(new_department, {"name": "省数据局", "sector": "数据"}).status_code == 302
    assert "省数据局" in browser.get("/manage/990000/departments")

    # Add a matter with a lead and two cooperating departments.
    new_matter = _link(workbench, "新增具体事项")
    form = browser.get(new_matter)
    assert "省数据局" in form
    response = browser.post(
        new_matter,
        {
            "category": "综合",
            "title": "生态环境数据共享",
            "description": "建设全省生态环境数据共享平台。",
            "lead": str(department("省数据局").id),
            "cooperating": [str(department("省生态环境厅").id), str(department("省自然资源厅").id)],
        },
    )
    page = browser.get(response.headers["Location"])
    assert "省数据局" in page and "省生态环境厅" in page and "省自然资源厅" in page and "已明确" in page

    # Settle a pending matter from the queue.
    queue = browser.get(_link(workbench, "研究明确待明确事项"))
    decide = _link(queue, "明确牵头部门")
    title = matter("城市光污染防治")
    assert f"/manage/matters/{title.id}/decide" == decide
    response = browser.post(
        decide,
        {
            "lead": str(department("省住房城乡建设厅").id),
            "basis_kind": "meeting",
            "basis_doc_number": "省生态环境保护委员会2025年第3次会议纪要",
            "basis_date": "2025-08-01",
        },
    )
    assert "明确牵头部门为「" in browser.get(response.headers["Location"])

    # Delegate another to 江川市.
    queue = browser.get("/manage/990000/queue")
    delegate = _link(queue, "交由下级")
    upper_id = int(re.search(r"/manage/matters/(\d+)/delegate", delegate).group(1))
    response = browser.post(
        delegate,
        {
            "to_jurisdiction": str(jurisdiction("990100").id),
            "basis_kind": "document",
            "basis_doc_number": "示政办函〔2025〕20号",
            "basis_date": "2025-08-02",
        },
    )
    assert "已交由下级研究明确" in browser.get(response.headers["Location"])

    # The city office settles it.
    browser.login("jiangchuan_office")
    workbench = browser.get(_link(browser.get("/manage/"), "江川市清单概览"))
    assert "上级交办" in workbench
    queue = browser.get(_link(workbench, "研究明确待明确事项"))
    assert "示例省" in queue
    decide = _link(queue, "明确牵头部门")
    response = browser.post(
        decide,
        {
            "lead": str(department("江川市生态环境局").id),
            "cooperating": [str(department("江川市公安局").id)],
            "basis_kind": "meeting",
            "basis_date": "2025-09-01",
        },
    )
    assert response.status_code == 302

    browser.login("province_office")
    upper = browser.get(f"/manage/matters/{upper_id}")
    assert "下级研究明确情况" in upper and "江川市生态环境局" in upper and "2025-09-01" in upper
