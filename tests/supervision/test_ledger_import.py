"""A ledger from a spreadsheet (#18): the demo's file and a good file become tasks with their lead,
cooperating departments, deadlines (date, phase, both) and responsible person and post; every refusal
names its row and reason, and nothing is imported while one row is wrong."""

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from registry.extensions import db
from registry.supervision import import_sheet, sample_ledger
from registry.supervision.models import Ledger, Task
from tests import factories
from tests.targets.pages import Browser, jurisdiction, text

CITY = "990100"  # 江川市
HEADER = "序号,反馈问题,整改目标,整改措施,责任单位,责任人,整改时限\n"


@pytest.fixture
def office(client, auth, demo):
    return Browser(client, auth).login("jiangchuan_office")


@pytest.fixture
def city(demo):
    return jurisdiction(CITY)


def _upload(browser, data: bytes, filename: str = "台账.csv", **fields):
    url = f"/manage/{CITY}/ledgers/import"
    token = browser.hidden(url)["csrf_token"]
    form = {"csrf_token": token, "ledger": "new", "source_kind": "inspection", **fields}
    return browser.client.post(url, data={**form, "file": (io.BytesIO(data), filename)})


def _tasks() -> int:
    return db.session.scalar(select(func.count()).select_from(Task))


def _ledgers(city) -> int:
    return db.session.scalar(select(func.count()).select_from(Ledger).where(Ledger.jurisdiction_id == city.id))


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_demo_ledger_is_offered_to_jiangchuan_and_imports_whole(office, city):
    response = office.client.get(f"/manage/{CITY}/ledgers/import/sample.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "示例台账" in text(office.get(f"/manage/{CITY}/ledgers/import"))
    response = _upload(office, response.data, sample_ledger.FILENAME)
    assert response.status_code == 302
    preview = text(office.get(response.headers["Location"]))
    assert "共 12 项任务，没有发现问题" in preview
    assert f"将新建台账「{sample_ledger.TITLE}」" in preview  # the title row names the new ledger
    assert db.session.scalar(select(Ledger).where(Ledger.title == sample_ledger.TITLE)) is None  # nothing yet
    response = office.post(response.headers["Location"], {})
    assert response.status_code == 302
    ledger = db.session.scalar(select(Ledger).where(Ledger.title == sample_ledger.TITLE))
    tasks = {t.number: t for t in ledger.tasks}
    assert len(tasks) == 12
    first = tasks["1"]  # 市生态环境局、市公安局、市发改委: the first leads
    assert first.lead_department.name == "江川市生态环境局"
    assert [d.name for d in first.cooperating] == ["江川市公安局", "江川市发展和改革委员会"]
    assert (first.responsible_person, first.responsible_post) == ("李明", "市生态环境局局长")
    assert first.due_date == date(2026, 6, 30)
    assert (tasks["2"].responsible_person, tasks["2"].responsible_post) == ("赵刚", "副主任")  # 副主任 赵刚
    assert (tasks["3"].due_date, tasks["3"].phase) == (date(2026, 12, 31), "immediate")  # 立行立改，2026年底前
    assert (tasks["4"].due_date, tasks["4"].phase) == (None, "long")  # 长期坚持
    assert tasks["5"].due_date == date(2027, 6, 30)  # a date cell
    assert tasks["5"].lead_department.name == "江川市住房和城乡建设局"  # 市住建局
    assert all(t.events[0].kind == "created" for t in ledger.tasks)


def test_the_demo_ledger_is_only_offered_to_its_city(client, auth, demo):
    browser = Browser(client, auth).login("province_office")
    assert "示例台账" not in text(browser.get("/manage/990000/ledgers/import"))
    browser.get("/manage/990000/ledgers/import/sample.xlsx", status=404)


def test_a_file_with_a_separate_cooperating_column_into_an_existing_ledger(office, city):
    ledger = factories.ledger(city)
    db.session.flush()
    data = _xlsx(
        [
            ["序号", "问题", "整改目标", "整改措施", "牵头单位", "配合单位", "责任人", "完成时限"],
            [
                "1",
                "河道非法采砂",
                "遏制非法采砂",
                "专项整治",
                "江川市水利局",
                "市公安局；市自然资源和规划局",
                "刘洋",
                date(2027, 3, 31),
            ],
        ]
    )
    response = _upload(office, data, "台账.xlsx", ledger=str(ledger.id))
    assert response.status_code == 302
    assert "导入到台账" in text(office.get(response.headers["Location"]))
    office.post(response.headers["Location"], {})
    task = db.session.scalar(select(Task).where(Task.problem == "河道非法采砂"))
    assert task.ledger_id == ledger.id
    assert [d.name for d in task.cooperating] == ["江川市公安局", "江川市自然资源和规划局"]
    assert (task.responsible_person, task.responsible_post, task.due_date) == ("刘洋", "", date(2027, 3, 31))


def test_every_bad_row_is_named_and_nothing_is_imported(office, city):
    bad = (
        HEADER
        + "1,扬尘管控不到位,,,市住建局,陈伟（副局长）,2026年12月底前\n"  # good
        + "2,秸秆焚烧,,,市农业农村厅,周强,长期坚持\n"  # unknown department, with a suggestion
        + "3,,,,市生态环境局,李明,2026-06-30\n"  # no problem
        + "4,黑臭水体,,,市住建局,陈伟,明年再说\n"  # a deadline nobody can read
        + "5,燃煤锅炉,,,,赵刚,2026年10月底前\n"  # no department
        + "5,园区污水,,,市生态环境局、市生态环境局,王芳,\n"  # same number; no deadline; lead cooperates
    )
    response = _upload(office, bad.encode())
    assert response.status_code == 302
    preview = text(office.get(response.headers["Location"]))
    assert "共 6 行，其中 5 行有问题" in preview
    assert "第 3 行" in preview and "找不到部门「市农业农村厅」" in preview and "是否指：江川市农业农村局" in preview
    assert "第 4 行" in preview and "没有填写问题（任务）" in preview
    assert "第 5 行" in preview and "“明年再说”无法识别" in preview
    assert "第 6 行" in preview and "没有填写责任单位" in preview
    assert "第 7 行" in preview and "与第 6 行的序号相同" in preview and "没有填写整改时限" in preview
    assert "牵头部门不能同时是配合部门" in preview
    assert "确认导入" not in preview
    before = (_tasks(), _ledgers(city))
    response = office.post(response.headers["Location"], {})  # forced: refused all the same
    assert response.status_code == 302
    assert (_tasks(), _ledgers(city)) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("序号,反馈问题,责任单位,责任部门,整改时限\n1,问题,市水利局,市水利局,2026年底前\n", "出现了两次"),
        ("序号,反馈问题,整改目标\n1,问题,目标\n", "表格缺少以下列：责任单位、整改时限"),
        ("这不是台账\n随便写写\n", "找不到表头"),
        (HEADER, "表格中没有任务"),
    ],
)
def test_a_file_that_cannot_be_a_ledger_is_refused_at_upload(office, content, message):
    response = _upload(office, content.encode())
    assert response.status_code == 400
    assert message in text(response.get_data(as_text=True))


def test_a_new_ledger_needs_a_title_not_taken(office, city):
    factories.ledger(city, title="已有台账")
    db.session.flush()
    response = _upload(office, (HEADER + "1,扬尘,,,市住建局,陈伟,2026年底前\n").encode(), title="已有台账")
    preview = text(office.get(response.headers["Location"]))
    assert "本级已有同名台账" in preview and "确认导入" not in preview


def test_the_template_is_a_file_the_import_reads(office, city):
    response = office.client.get(f"/manage/{CITY}/ledgers/import/template.xlsx")
    assert response.status_code == 200
    plan = import_sheet.plan_sheet(city, response.data, "template.xlsx")
    assert plan.ok, [r.errors for r in plan.rows]
    assert plan.rows[1].phase == "long" and plan.rows[1].post == "副局长"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026年12月底前", (date(2026, 12, 31), None, True)),
        ("2026年6月30日前", (date(2026, 6, 30), None, True)),
        ("2026-06-30", (date(2026, 6, 30), None, True)),
        ("立行立改，2026年底前", (date(2026, 12, 31), "immediate", True)),
        ("立行立改、长期坚持", (None, "immediate", True)),
        ("中期推进", (None, "medium", True)),
        ("2026年2月30日前", (None, None, False)),
        ("尽快", (None, None, False)),
    ],
)
def test_deadlines_as_ledgers_write_them(written, expected):
    assert import_sheet.parse_deadline(written) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("张三（副厅长）", ("张三", "副厅长")),
        ("副厅长 张三", ("张三", "副厅长")),
        ("张三 副局长", ("张三", "副局长")),
        ("张三", ("张三", "")),
    ],
)
def test_responsible_person_and_post(written, expected):
    assert import_sheet.split_person(written) == expected
