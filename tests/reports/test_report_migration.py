"""Revision 69739048777d turns the one-table 配合事项落实情况 section of every unpublished report into a
section per cooperating matter, keeping what the department had typed in the table, and turns led-matter
fields saved as HTML into plain text. Published reports stay as they were."""

import html

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from registry.extensions import db
from tests.test_migrations import scratch  # noqa: F401 (the scratch-database fixture)

BEFORE = "7d2e4b9a1c55"


def _rows(sql: str, **params):
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def _report_id(department: str) -> int:
    return _rows(
        "SELECT r.id FROM annual_reports r JOIN departments d ON d.id = r.department_id WHERE d.name = :n",
        n=department,
    )[0][0]


def _old_table(report_id: int, typed: dict[str, str]) -> str:
    """The cooperating section as the drafts of before 2026-12 had it, with text typed in some cells."""
    matters = _rows(
        "SELECT vm.title, (SELECT department_name FROM version_assignments l WHERE l.version_matter_id = vm.id"
        " AND l.role = 'lead') FROM version_matters vm JOIN version_assignments va ON va.version_matter_id = vm.id"
        " JOIN annual_reports r ON r.department_id = va.department_id JOIN reporting_cycles c ON c.id = r.cycle_id"
        " WHERE r.id = :r AND vm.version_id = c.version_id AND va.role = 'cooperating' ORDER BY vm.seq, vm.id",
        r=report_id,
    )
    rows = "".join(
        f"<tr><td>{html.escape(t)}</td><td>{html.escape(lead or '待明确')}</td><td>{typed.get(t, '')}</td></tr>"
        for t, lead in matters
    )
    return (
        "<table><thead><tr><th>具体事项</th><th>牵头部门</th><th>配合落实情况</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


@pytest.mark.committing  # its own database, written for real
def test_old_cooperating_table_becomes_a_section_per_matter_with_the_typed_text(scratch):  # noqa: F811
    from registry.demo import load_demo

    upgrade()
    load_demo()
    db.session.commit()
    db.session.remove()
    downgrade(revision=BEFORE)

    sthj, nync = _report_id("省生态环境厅"), _report_id("省农业农村厅")  # a draft, a published report
    kinds = [k for (k,) in _rows("SELECT kind FROM report_sections WHERE report_id = :r ORDER BY position", r=sthj)]
    assert kinds.count("cooperating") == 1 and "coop_matter" not in kinds  # the old shape
    expected = _rows(
        "SELECT vm.title FROM version_matters vm JOIN version_assignments va ON va.version_matter_id = vm.id"
        " JOIN annual_reports r ON r.department_id = va.department_id JOIN reporting_cycles c ON c.id = r.cycle_id"
        " WHERE r.id = :r AND vm.version_id = c.version_id AND va.role = 'cooperating' ORDER BY vm.seq, vm.id",
        r=sthj,
    )
    titles = [t for (t,) in expected]
    assert len(titles) > 10
    typed = {titles[0]: "参加联席会议2次，报送数据4批。", titles[3]: "<p>第一段说明</p><p>配合检查1次<br>已整改</p>"}
    led_html = "<p>全年完成<strong>修订</strong>。</p><ol><li>召开会议</li><li>专项检查</li></ol>"
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE report_sections SET body = :b WHERE report_id = :r AND kind = 'cooperating'"),
            {"b": _old_table(sthj, typed), "r": sthj},
        )
        conn.execute(
            text(
                "UPDATE report_sections SET progress = :p WHERE id = (SELECT min(id) FROM report_sections"
                " WHERE report_id = :r AND kind = 'led_matter')"
            ),
            {"p": led_html, "r": sthj},
        )
        # another draft whose table holds what no matter takes: text around it, a renamed row
        zjt = _report_id("省住房和城乡建设厅")
        odd = "<p>另附全年配合工作说明。</p>" + _old_table(zjt, {}).replace(
            "</tbody>", "<tr><td>改过名的事项</td><td>省生态环境厅</td><td>配合开展检查3次。</td></tr></tbody>"
        )
        conn.execute(
            text("UPDATE report_sections SET body = :b WHERE report_id = :r AND kind = 'cooperating'"),
            {"b": odd, "r": zjt},
        )
    published_before = _rows("SELECT id, kind, body FROM report_sections WHERE report_id = :r ORDER BY id", r=nync)

    upgrade()

    sections = _rows(
        "SELECT kind, title, cooperation, position FROM report_sections WHERE report_id = :r ORDER BY position", r=sthj
    )
    assert [s.position for s in sections] == list(range(len(sections)))
    coop = [s for s in sections if s.kind == "coop_matter"]
    assert [s.title for s in coop] == titles  # one per cooperating matter, in the list's order
    assert not any(s.kind == "cooperating" for s in sections)
    by_title = {s.title: s.cooperation for s in coop}
    assert by_title[titles[0]] == "参加联席会议2次，报送数据4批。"
    assert by_title[titles[3]] == "第一段说明\n\n配合检查1次\n已整改"
    assert by_title[titles[1]] == ""
    # grouped where the table was: after the led matters, before the closing free sections
    kinds = [s.kind for s in sections]
    assert kinds.index("coop_matter") > max(i for i, k in enumerate(kinds) if k == "led_matter")
    assert kinds[-2:] == ["free", "free"]
    progress = _rows(
        "SELECT progress FROM report_sections WHERE report_id = :r AND kind = 'led_matter' ORDER BY id LIMIT 1",
        r=sthj,
    )[0][0]
    assert progress == "全年完成修订。\n\n召开会议\n专项检查"
    # nothing typed is lost: the table that held more than the matters take stays, as a free section
    kept = _rows(
        "SELECT kind, body FROM report_sections WHERE report_id = :r AND title = :t",
        r=zjt,
        t="配合事项落实情况（原表格）",
    )
    assert len(kept) == 1 and kept[0].kind == "free"
    assert "另附全年配合工作说明" in kept[0].body and "配合开展检查3次" in kept[0].body
    assert _rows("SELECT count(*) FROM report_sections WHERE report_id = :r AND kind = 'coop_matter'", r=zjt)[0][0] > 0
    # published: what the public downloaded stays as it was
    assert (
        _rows("SELECT id, kind, body FROM report_sections WHERE report_id = :r ORDER BY id", r=nync) == published_before
    )
