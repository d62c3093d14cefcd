"""The report pages as users meet them: drafting, inboxes, conflicts, attachments, downloads."""

import hashlib
import io
from html.parser import HTMLParser

from openpyxl import Workbook
from pypdf import PdfReader

from registry.extensions import db
from registry.reports.content import sanitize_html
from tests.conftest import csrf_token
from tests.reports.conftest import explain_empty_led_matters, post


def _edit_path(report, title):
    section = next(s for s in report.sections if s.title == title)
    return f"/reports/{report.id}/sections/{section.id}", section


class _FormReader(HTMLParser):
    """Collects what a browser would send back from a form: inputs, checked boxes, selects, textareas."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[self._textarea] = ""
        elif tag == "select":
            self._select = a["name"]
            self.fields[self._select] = ""
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def _form_fields(page: str) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(page[page.index("<main") :])
    return {
        k: v.lstrip("\n") if k in ("progress", "measures", "problems", "plans", "body") else v
        for k, v in reader.fields.items()
    }


def test_home_shows_cycles_to_the_office_and_reports_to_departments(client, auth, reports):
    auth.login("province_office")
    page = client.get("/reports/").get_data(as_text=True)
    assert "2025年度" in page and "开启报告周期" in page
    auth.logout()
    auth.login("sthj_head")
    page = client.get("/reports/").get_data(as_text=True)
    assert "省生态环境厅2025年度生态环境保护工作专题报告" in page and "起草中" in page


def test_cycle_page_shows_every_state_overdue_and_chart(client, auth, reports):
    auth.login("province_office")
    cycle = reports["省生态环境厅"].cycle
    page = client.get(f"/reports/cycles/{cycle.id}").get_data(as_text=True)
    for label in ("未开始", "起草中", "已报送", "退回修改", "审核通过", "已公开"):
        assert label in page
    assert "<svg" in page and "各状态报告数量（图表的文字版）" in page
    cycle.deadline = cycle.deadline.replace(year=2099)
    db.session.flush()
    assert "已逾期" not in client.get(f"/reports/cycles/{cycle.id}").get_data(as_text=True)
    cycle.deadline = cycle.deadline.replace(year=2020)
    db.session.flush()
    page = client.get(f"/reports/cycles/{cycle.id}").get_data(as_text=True)
    # not started, draft and returned reports are overdue; submitted/accepted/published are not
    assert page.count('class="overdue"') == 15


def test_office_opens_a_cycle_through_the_form_and_errors_show_next_to_the_field(client, auth, reports):
    auth.login("province_office")
    response = post(client, "/reports/cycles/new", {"year": "2025", "deadline": "2026-03-31"}, "/reports/cycles/new")
    assert response.status_code == 200 and "已经开启" in response.get_data(as_text=True)
    response = post(client, "/reports/cycles/new", {"year": "2023", "deadline": "2024-03-31"}, "/reports/cycles/new")
    assert "尚无在2023年度有效的已发布责任清单版本" in response.get_data(as_text=True)


def test_walkthrough_fill_submit_return_accept_publish_download(client, auth, reports):
    report = reports["省生态环境厅"]
    path, section = _edit_path(report, "重污染天气应急应对")
    auth.login("sthj_head")
    page = client.get(path).get_data(as_text=True)
    data = _form_fields(page)
    data.update(
        {
            "progress": "全年完成重污染天气应急减排清单修订。\n\n组织省市联动应急3次。",
            "measures": "<ul><li>修订应急预案</li></ul><script>alert(1)</script>",
            "indicators-3-name": "臭氧浓度",
            "indicators-3-unit": "μg/m³",
            "indicators-3-target": "160",
            "indicators-3-actual": "158",
            "indicators-3-met": "yes",
            "indicators-1-remove": "y",
        }
    )
    response = client.post(path, data=data)
    assert response.status_code == 302
    db.session.refresh(section)
    # structured fields are plain text, kept as typed; pages clean anything that looks like markup
    assert section.progress == "全年完成重污染天气应急减排清单修订。\n\n组织省市联动应急3次。"
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "<p>全年完成重污染天气应急减排清单修订。</p><p>组织省市联动应急3次。</p>" in page
    assert "<script>alert" not in page and "<li>修订应急预案</li>" in page
    assert [i.name for i in section.indicators] == ["PM2.5 年均浓度", "重污染天数", "臭氧浓度"]

    explain_empty_led_matters(report)  # the others' 本年度无进展的说明, so that it may be submitted
    submit = f"/reports/{report.id}/submit"
    response = post(client, submit, {"doc_number": "示环函〔2026〕12号", "confirm": "y"}, form_page=submit)
    assert response.status_code == 302
    assert "已报送" in client.get(f"/reports/{report.id}").get_data(as_text=True)
    auth.logout()

    auth.login("province_office")
    assert report.title in client.get("/reports/inbox").get_data(as_text=True)
    post(client, f"/reports/{report.id}/return", {"comment": "请补充臭氧指标说明"}, f"/reports/{report.id}")
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "退回修改" in page and "请补充臭氧指标说明" in page
    auth.logout()

    auth.login("sthj_head")
    resubmitted = post(client, submit, {"doc_number": "示环函〔2026〕12号", "confirm": "y"}, form_page=submit)
    assert resubmitted.status_code == 302
    auth.logout()
    auth.login("province_office")
    post(client, f"/reports/{report.id}/accept", {"accept-comment": ""}, f"/reports/{report.id}")
    auth.logout()

    auth.login("sthj_head")
    assert "我已确认" in client.get(f"/reports/{report.id}/publish").get_data(as_text=True)
    response = post(client, f"/reports/{report.id}/publish", {"confirm": "y"}, f"/reports/{report.id}/publish")
    assert response.status_code == 302
    db.session.refresh(report)
    assert report.state == "published"
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    for action in ("生成草稿", "报送", "退回修改", "审核通过", "公开"):
        assert action in page  # the timeline
    auth.logout()

    download = client.get(f"/reports/published/{report.id}.pdf")  # anonymous: the public route
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert hashlib.sha256(download.data).hexdigest() == report.pdf_sha256 == download.headers["X-Checksum-SHA256"]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(download.data)).pages)
    assert "省生态环境厅" in text and "重污染天气应急应对" in text and "臭氧浓度" in text


def test_published_pdf_is_served_from_storage_not_rerendered(client, reports):
    nync = reports["省农业农村厅"]
    first = client.get(f"/reports/published/{nync.id}.pdf")
    second = client.get(f"/reports/published/{nync.id}.pdf")
    assert first.data == second.data == nync.pdf_data
    assert first.headers["ETag"].strip('"') == nync.pdf_sha256
    assert (
        client.get(f"/reports/published/{nync.id}.pdf", headers={"If-None-Match": f'"{nync.pdf_sha256}"'}).status_code
        == 304
    )
    assert client.get(f"/reports/published/{reports['省交通运输厅'].id}.pdf").status_code == 404  # accepted only


def test_published_partial_lists_year_size_hash_and_link(app, reports):
    from flask import render_template

    from registry.reports.queries import published_reports

    nync = reports["省农业农村厅"]
    with app.test_request_context():
        html = render_template("reports/_published_list.html", reports=published_reports(nync.department_id))
    assert "2025" in html and nync.pdf_sha256 in html and f"/reports/published/{nync.id}.pdf" in html


def test_recipients_inboxes_and_read_only_access(client, auth, reports):
    nync = reports["省农业农村厅"]  # published: sent to the office, copied to 省生态环境厅
    auth.login("sthj_head")
    inbox = client.get("/reports/inbox").get_data(as_text=True)
    assert nync.title in inbox and "抄送" in inbox
    assert reports["省水利厅"].title in inbox  # returned, but it was submitted and copied
    assert reports["省发展和改革委员会"].title not in inbox  # never submitted
    page = client.get(f"/reports/{nync.id}").get_data(as_text=True)
    assert "以收件人身份只读查看" in page and f"/reports/{nync.id}/sections/" not in page
    section = nync.sections[0]
    assert client.get(f"/reports/{nync.id}/sections/{section.id}").status_code == 403
    auth.logout()

    auth.login("nync_head")
    assert nync.title not in client.get("/reports/inbox").get_data(as_text=True)  # not a recipient of itself
    sthj = reports["省生态环境厅"]
    assert client.get(f"/reports/{sthj.id}").status_code == 403  # a draft of another department
    auth.logout()

    auth.login("province_office")
    inbox = client.get("/reports/inbox").get_data(as_text=True)
    for name in ("省住房和城乡建设厅", "省水利厅", "省交通运输厅", "省农业农村厅"):
        assert reports[name].title in inbox
    assert sthj.title not in inbox
    auth.logout()

    auth.login("jiangchuan_office")
    assert client.get(f"/reports/{nync.id}").status_code == 403
    assert "收件箱是空的" in client.get("/reports/inbox").get_data(as_text=True)


def test_other_department_cannot_edit_and_editor_cannot_submit(client, auth, reports):
    sthj = reports["省生态环境厅"]
    path, _ = _edit_path(sthj, "总体情况")
    auth.login("nync_head")
    assert client.get(path).status_code == 403
    assert post(client, path, {"body": "x", "lock_version": "1"}).status_code == 403
    auth.logout()
    auth.login("sthj_editor")
    assert client.get(path).status_code == 200
    assert post(client, f"/reports/{sthj.id}/submit", form_page=f"/reports/{sthj.id}").status_code == 403
    assert "报送本级办公室" not in client.get(f"/reports/{sthj.id}").get_data(as_text=True)


def test_second_save_from_the_same_version_is_refused_and_text_kept(client, auth, reports):
    sthj = reports["省生态环境厅"]
    path, section = _edit_path(sthj, "存在的主要问题")
    # Both open the form on the same saved version …
    auth.login("sthj_head")
    form_a = _form_fields(client.get(path).get_data(as_text=True))
    auth.logout()
    auth.login("sthj_editor")
    form_b = _form_fields(client.get(path).get_data(as_text=True))
    auth.logout()
    assert form_a["lock_version"] == form_b["lock_version"]
    # … the head saves first, then the editor saves from the version they loaded.
    auth.login("sthj_head")
    assert client.post(path, data={**form_a, "body": "负责人写的问题"}).status_code == 302
    auth.logout()
    auth.login("sthj_editor")
    response = client.post(path, data={**form_b, "body": "填报人写的另一段问题"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "已被他人修改并保存" in page and "填报人写的另一段问题" in page and "负责人写的问题" in page
    db.session.refresh(section)
    assert section.body == "<p>负责人写的问题</p>"


def test_an_indicator_without_a_name_is_refused_under_the_indicators_and_the_text_kept(client, auth, reports):
    report = reports["省生态环境厅"]
    path, section = _edit_path(report, "重污染天气应急应对")
    auth.login("sthj_editor")
    data = _form_fields(client.get(path).get_data(as_text=True))
    data.update({"progress": "本年度新写的进展", "indicators-0-name": "", "indicators-0-target": "160"})
    response = client.post(path, data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    indicators = page[page.index('<fieldset class="indicators">') : page.index("</fieldset>")]
    assert "指标行填写了数值但缺少指标名称。" in indicators
    assert "本年度新写的进展" in page
    db.session.refresh(section)
    assert section.progress != "<p>本年度新写的进展</p>"


def test_sanitizer_strips_scripts_and_event_handlers():
    dirty = (
        '<p onclick="x()">段落<script>alert(1)</script><img src=x onerror="alert(2)">'
        '<a href="javascript:alert(3)">链接</a><strong style="color:red">加粗</strong></p>'
        "<table><thead><tr><th>指标</th></tr></thead><tbody><tr><td colspan=2>1</td></tr></tbody></table>"
    )
    clean = sanitize_html(dirty)
    assert "script" not in clean and "onerror" not in clean and "onclick" not in clean
    assert "<img" not in clean and "javascript" not in clean and "style" not in clean
    assert "<strong>加粗</strong>" in clean and '<td colspan="2">1</td>' in clean and "<th>指标</th>" in clean
    assert sanitize_html("a < b\n第二行") == "<p>a &lt; b<br>第二行</p>"


def _xlsx() -> bytes:
    wb = Workbook()
    wb.active.append(["指标", "数值"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ff"
    "ff3f0005fe02fea7d6a5c40000000049454e44ae426082"
)


def test_attachments_are_checked_by_content_and_size(client, auth, reports):
    sthj = reports["省生态环境厅"]
    auth.login("sthj_editor")
    url = f"/reports/{sthj.id}/attachments"

    def upload(name, data):
        token = csrf_token(client, f"/reports/{sthj.id}")
        response = client.post(
            url,
            data={"csrf_token": token, "title": f"附件{name}", "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        # The test client spools a large upload's body to a temporary file that only closing the
        # response closes (a refused upload answers at once, without a redirect to close it).
        with response:
            return response.get_data(as_text=True)

    assert "只能上传 PDF" in upload("伪装.pdf", b"just some text, not a PDF")
    assert "只能上传 PDF" in upload("压缩包.xlsx", _zip_without_xl())
    assert "不能超过 10 MB" in upload("大文件.pdf", b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024))
    assert sthj.attachments == []
    assert "附件已上传" in upload("数据.xlsx", _xlsx())
    assert "附件已上传" in upload("现场.png", PNG)
    assert "附件已上传" in upload("报告.pdf", sthj_pdf(reports))
    db.session.refresh(sthj)
    assert [a.content_type for a in sthj.attachments] == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "image/png",
        "application/pdf",
    ]
    a = sthj.attachments[1]
    download = client.get(f"/reports/{sthj.id}/attachments/{a.id}")
    assert download.data == PNG and download.headers["X-Content-Type-Options"] == "nosniff"
    auth.logout()
    auth.login("nync_head")  # not a reader of a draft of another department
    assert client.get(f"/reports/{sthj.id}/attachments/{a.id}").status_code == 403


def test_an_attachment_keeps_the_extension_of_what_it_is(client, auth, reports):
    sthj = reports["省生态环境厅"]
    auth.login("sthj_editor")
    for name in ("poly.html", "poly.png.html", "poly"):
        token = csrf_token(client, f"/reports/{sthj.id}")
        client.post(
            f"/reports/{sthj.id}/attachments",
            data={"csrf_token": token, "title": "现场照片", "file": (io.BytesIO(PNG), name)},
            content_type="multipart/form-data",
        )
    db.session.refresh(sthj)
    assert [a.filename for a in sthj.attachments] == ["poly.png", "poly.png.png", "poly.png"]
    download = client.get(f"/reports/{sthj.id}/attachments/{sthj.attachments[0].id}")
    assert download.mimetype == "image/png"
    disposition = download.headers["Content-Disposition"]
    assert "poly.png" in disposition and ".html" not in disposition


def _zip_without_xl() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w/>")
    return out.getvalue()


def sthj_pdf(reports) -> bytes:
    return reports["省农业农村厅"].pdf_data


def test_draft_preview_has_watermark(client, auth, reports):
    sthj = reports["省生态环境厅"]
    auth.login("sthj_editor")
    response = client.get(f"/reports/{sthj.id}/preview.pdf")
    assert response.status_code == 200 and response.data[:5] == b"%PDF-"
    first = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "草稿" in first


def test_the_header_names_the_department_users_role_on_report_pages(client, auth, demo):
    from sqlalchemy import select

    from registry.lists.models import Department
    from registry.reports.models import AnnualReport

    auth.login("sthj_head")
    report = db.session.scalar(
        select(AnnualReport).join(AnnualReport.department).where(Department.name == "省生态环境厅")
    )
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "（部门负责人）" in page
