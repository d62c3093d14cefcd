"""Drafting a report as its writers meet it: a form of plain-text fields for every led and cooperating
matter, a rich-text editor only for prose, and every cooperating matter on the page and in the PDF."""

import re
import subprocess
from html.parser import HTMLParser

from sqlalchemy import select

from registry.extensions import db
from registry.reports import services
from registry.reports.content import html_to_text, plain_paragraphs
from registry.versions.models import VersionAssignment
from tests.reports.conftest import post, user

COOP_TEXT = "参加牵头部门会商3次，报送数据4批。\n配合开展联合检查1次。\n\n第二段：发现的问题已督促整改 <b>不是标签</b>"


class _Textareas(HTMLParser):
    """The textareas of a page in order, with their names, attributes and text as a browser shows it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.areas: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "textarea":
            self._open = {**dict(attrs), "text": ""}
            self.areas.append(self._open)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data


def _textareas(page: str) -> dict[str, dict]:
    reader = _Textareas()
    reader.feed(page)
    # a browser drops the one newline right after <textarea>
    return {a["name"]: {**a, "text": a["text"].removeprefix("\r\n").removeprefix("\n")} for a in reader.areas}


def _section(report, kind: str, index: int = 0, title: str | None = None):
    matching = [s for s in report.sections if s.kind == kind and (title is None or s.title == title)]
    return matching[index]


def _edit(client, report, section) -> str:
    return client.get(f"/reports/{report.id}/sections/{section.id}").get_data(as_text=True)


def _no_markup_shown(page: str) -> None:
    """Nothing on the page shows tags as text, and the hints name no tags. (A rich-text textarea holds
    its HTML source for the editor to load: that is what the editor reads, not what the page shows.)"""
    main = re.sub(
        r'(<textarea[^>]*data-editor="rich"[^>]*>).*?</textarea>', r"\1", page[page.index("<main") :], flags=re.S
    )
    assert "&lt;p&gt;" not in main and "&lt;strong&gt;" not in main and "&lt;table" not in main
    assert "<p> 段落" not in main and "<strong> 加粗" not in main


def test_each_kind_of_section_has_its_own_form(client, auth, reports):
    report = reports["省生态环境厅"]
    auth.login("sthj_editor")

    coop_page = _edit(client, report, _section(report, "coop_matter"))
    names = re.findall(r'<textarea[^>]*name="([^"]+)"', coop_page)
    assert names[:5] == ["cooperation", "progress", "measures", "problems", "plans"]  # 配合落实情况 first
    assert "配合落实情况" in coop_page and "牵头部门会看到这里填写的内容" in coop_page
    assert "牵头部门" in coop_page and 'data-editor="rich"' not in coop_page and "tinymce" not in coop_page
    _no_markup_shown(coop_page)

    led_page = _edit(client, report, _section(report, "led_matter", title="重污染天气应急应对"))
    names = re.findall(r'<textarea[^>]*name="([^"]+)"', led_page)
    assert names[:4] == ["progress", "measures", "problems", "plans"] and "no_progress_reason" in names
    assert "cooperation" not in names and "body" not in names
    assert "本年度无进展的说明" in led_page and "仅在本年度该事项确实没有进展时填写" in led_page
    assert "indicators-0-name" in led_page
    _no_markup_shown(led_page)

    for kind in ("free", "duties"):
        page = _edit(client, report, _section(report, kind))
        areas = _textareas(page)
        assert list(areas) == ["body"] and areas["body"]["data-editor"] == "rich"
        assert "vendor/tinymce/tinymce.min.js" in page and "js/editor.js" in page
        assert "加粗、项目符号或编号列表和表格" in page
        _no_markup_shown(page)


def test_plain_text_is_kept_as_typed_and_shown_as_paragraphs(client, auth, reports):
    report = reports["省生态环境厅"]
    section = _section(report, "coop_matter", 5)
    path = f"/reports/{report.id}/sections/{section.id}"
    auth.login("sthj_editor")
    data = {
        "lock_version": str(section.lock_version),
        "cooperation": COOP_TEXT.replace("\n", "\r\n"),
        "plans": "继续配合",
    }
    response = post(client, path, data, form_page=path)
    assert response.status_code == 302
    db.session.refresh(section)
    assert section.cooperation == COOP_TEXT and section.plans == "继续配合"

    areas = _textareas(_edit(client, report, section))
    assert areas["cooperation"]["text"] == COOP_TEXT  # the text again, not tags
    assert areas["progress"]["text"] == ""

    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    block = page[page.index(f'id="s{section.id}"') :]
    block = block[: block.index("</section>")]
    assert (
        "<p>参加牵头部门会商3次，报送数据4批。<br>配合开展联合检查1次。</p>"
        "<p>第二段：发现的问题已督促整改 &lt;b&gt;不是标签&lt;/b&gt;</p>"
    ) in block
    assert block.count("（未填写）") == 3  # 工作进展, 主要措施与成效, 存在问题
    assert "<b>" not in block


def test_every_cooperating_matter_gets_its_own_section(reports):
    for name in ("省生态环境厅", "省农业农村厅", "省水利厅"):
        report = reports[name]
        cooperating = db.session.scalars(
            select(VersionAssignment.version_matter_id).where(
                VersionAssignment.version_id == report.cycle.version_id,
                VersionAssignment.department_id == report.department_id,
                VersionAssignment.role == "cooperating",
            )
        ).all()
        sections = [s for s in report.sections if s.kind == "coop_matter"]
        assert len(sections) == len(cooperating) > 0
        assert sorted(s.version_matter_id for s in sections) == sorted(cooperating)
        assert not [s for s in report.sections if s.kind == "cooperating"]
        # grouped after the led matters, before the closing free sections
        kinds = [s.kind for s in report.sections]
        first_coop = kinds.index("coop_matter")
        assert all(k == "coop_matter" for k in kinds[first_coop : first_coop + len(sections)])
        assert kinds[-2:] == ["free", "free"]


def _squash(text: str) -> str:
    """Text to compare with pdftotext's: no white space (lines wrap), and without the characters of the
    draft's 「草稿」 watermark, which pdftotext interleaves with the text under it."""
    return re.sub(r"[\s草稿]+", "", text)


def test_report_page_and_draft_pdf_list_every_cooperating_matter(client, auth, reports):
    report = reports["省生态环境厅"]
    coop = [s for s in report.sections if s.kind == "coop_matter"]
    editor = user("sthj_editor")
    services.save_section(
        coop[-1], actor=editor, expected_version=None, fields={"cooperation": "最后一项的配合情况已填写。"}
    )
    db.session.flush()
    auth.login("sthj_editor")

    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "配合事项落实情况" in page and "牵头负责的具体事项落实情况" in page
    for s in coop:
        assert f'id="s{s.id}"' in page and s.title in page
    assert "最后一项的配合情况已填写。" in page
    assert "按照" in coop[0].cooperation and coop[0].cooperation.split("，")[0] in page  # the demo's text
    assert "牵头部门：" in page

    response = client.get(f"/reports/{report.id}/preview.pdf")
    assert response.status_code == 200
    text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True).stdout.decode()
    flat = _squash(text)
    assert "配合事项落实情况" in flat
    for s in coop:
        assert _squash(s.title) in flat, s.title
    assert _squash("最后一项的配合情况已填写。") in flat
    assert _squash(coop[0].cooperation[:30]) in flat


def test_rich_text_keeps_bold_lists_and_tables_and_drops_scripts(client, auth, reports):
    report = reports["省生态环境厅"]
    section = _section(report, "free", title="存在的主要问题")
    path = f"/reports/{report.id}/sections/{section.id}"
    auth.login("sthj_head")
    body = (
        "<p>总体<strong>较好</strong><script>alert(1)</script></p><ul><li>问题一</li></ul><ol><li>措施</li></ol>"
        '<table><tbody><tr><td colspan="2" onclick="x()">合计</td></tr></tbody></table>'
        '<p><img src="x" onerror="alert(2)"><a href="javascript:alert(3)">链接</a><span style="color:red">红</span></p>'
    )
    response = post(client, path, {"lock_version": str(section.lock_version), "body": body}, form_page=path)
    assert response.status_code == 302
    db.session.refresh(section)
    for kept in (
        "<strong>较好</strong>",
        "<ul><li>问题一</li></ul>",
        "<ol><li>措施</li></ol>",
        '<td colspan="2">合计</td>',
    ):
        assert kept in section.body
    for dropped in ("<script", "alert(1)", "<img", "onerror", "<a", "javascript:", "onclick", "style="):
        assert dropped not in section.body
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "<strong>较好</strong>" in page and '<td colspan="2">合计</td>' in page and "alert(" not in page


def test_plain_text_in_the_editor_becomes_paragraphs_without_javascript(client, auth, reports):
    report = reports["省生态环境厅"]
    section = _section(report, "free", title="下一年度工作计划")
    path = f"/reports/{report.id}/sections/{section.id}"
    auth.login("sthj_head")
    data = {"lock_version": str(section.lock_version), "body": "第一段\n\n第二段 a < b"}
    assert post(client, path, data, form_page=path).status_code == 302
    db.session.refresh(section)
    assert section.body == "<p>第一段</p><p>第二段 a &lt; b</p>"


def test_a_legacy_html_field_is_edited_as_plain_text(client, auth, reports):
    report = reports["省生态环境厅"]
    section = _section(report, "led_matter", title="饮用水水源地保护")
    section.problems = "<p>第一段<br>换行</p><ul><li>甲</li><li>乙</li></ul>"
    db.session.flush()
    auth.login("sthj_editor")
    areas = _textareas(_edit(client, report, section))
    assert areas["problems"]["text"] == "第一段\n换行\n\n甲\n乙"
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "<ul><li>甲</li><li>乙</li></ul>" in page  # still shown as the formatted text it was


def test_a_stale_save_shows_the_latest_fields_as_paragraphs(client, auth, reports):
    report = reports["省生态环境厅"]
    section = _section(report, "coop_matter", 7)
    path = f"/reports/{report.id}/sections/{section.id}"
    auth.login("sthj_editor")
    stale = str(section.lock_version)
    assert (
        post(client, path, {"lock_version": stale, "cooperation": "先保存的\n两行"}, form_page=path).status_code == 302
    )
    response = post(client, path, {"lock_version": stale, "cooperation": "后保存的"}, form_page=path)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "他人刚保存的最新内容" in page and "<p>先保存的<br>两行</p>" in page
    assert _textareas(page)["cooperation"]["text"] == "后保存的"  # the writer's own text is kept
    db.session.refresh(section)
    assert section.cooperation == "先保存的\n两行"


def test_plain_text_helpers():
    assert str(plain_paragraphs("一\n二\n\n三 <i>")) == "<p>一<br>二</p><p>三 &lt;i&gt;</p>"
    assert str(plain_paragraphs("<p>旧</p><script>x</script>")) == "<p>旧</p>"
    assert str(plain_paragraphs("  \n ")) == ""
    assert html_to_text("<p>a<br>b</p><table><tr><td>c</td><td>d</td></tr></table>") == "a\nb\n\nc d"
    assert html_to_text("a < b") == "a < b"
