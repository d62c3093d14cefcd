"""Simultaneous requests on PostgreSQL, through the app with a real connection pool and real commits:
parallel wrong passwords, two people changing one matter's lead, two publishes of one list or one
report. Each gets one winner, a clear message for the others, no 500 and consistent data.

The data lives in a schema of its own (the demo, committed), dropped at the end."""

import html
import os
import re
import threading
import uuid
from collections import Counter

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text

import config
from registry import create_app
from registry.extensions import db
from tests.conftest import CSRF_RE

pytestmark = [
    pytest.mark.committing,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="row locks and parallel writers: PostgreSQL (CI runs the suite on it too)",
    ),
]

CONFLICT = "已被他人修改并保存"


@pytest.fixture(scope="module")
def live():
    url = os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"concurrency_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))

    class Live(config.TestConfig):
        SQLALCHEMY_DATABASE_URI = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 20, "max_overflow": 20}
        PASSWORD_HASH_METHOD = "scrypt"  # the production hash: slow enough for attempts to overlap
        # The per-address login limit would hide whether the lock itself holds. Not RATELIMIT_ENABLED =
        # False: init_app would switch off the one limiter of the process for the tests that follow.
        LOGIN_RATE_LIMIT = "100000 per minute"

    app = create_app(Live)
    try:
        with app.app_context():
            upgrade()
            from registry.demo import load_demo

            load_demo()
            db.session.commit()
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def _client(app, username=None):
    client = app.test_client()
    if username:
        token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
        response = client.post("/login", data={"username": username, "password": "demo-2025", "csrf_token": token})
        assert response.status_code == 302, username
    return client


def _all_at_once(jobs):
    """Run the callables in threads released together; their results in order."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        barrier.wait()
        results[i] = job()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_parallel_wrong_passwords_check_at_most_five(live, monkeypatch):
    import registry.auth.services as services

    checked = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: checked.append(p) or real(h, p))
    clients = [live.test_client() for _ in range(40)]
    tokens = [CSRF_RE.search(c.get("/login").get_data(as_text=True)).group(1) for c in clients]

    def attempt(client, token):
        return lambda: client.post("/login", data={"username": "admin", "password": "guess", "csrf_token": token})

    responses = _all_at_once([attempt(c, t) for c, t in zip(clients, tokens, strict=True)])
    assert {r.status_code for r in responses} == {200}
    assert len(checked) <= 5, f"{len(checked)} passwords checked"
    # A second burst finds the lock in place: nothing more is checked, even the right password.
    responses = _all_at_once([attempt(c, t) for c, t in zip(clients[:10], tokens, strict=False)])
    assert len(checked) <= 5
    right = clients[0].post("/login", data={"username": "admin", "password": "demo-2025", "csrf_token": tokens[0]})
    assert "账户已锁定" in right.get_data(as_text=True)
    # From another address the administrator still gets in.
    other = live.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    token = CSRF_RE.search(other.get("/login").get_data(as_text=True)).group(1)
    assert (
        other.post("/login", data={"username": "admin", "password": "demo-2025", "csrf_token": token}).status_code
        == 302
    )


def _matter(title):
    from registry.lists.models import Matter

    return db.session.scalar(select(Matter).where(Matter.title == title))


@pytest.mark.parametrize("title", ["建筑施工扬尘污染防治", "城市光污染防治"])  # assigned; pending (no lead yet)
def test_simultaneous_lead_changes_have_one_winner(live, title):
    from registry.lists.models import Assignment, Department

    with live.app_context():
        matter = _matter(title)
        departments = db.session.scalars(
            select(Department).where(Department.jurisdiction_id == matter.jurisdiction_id).order_by(Department.id)
        ).all()
        lead_id = next((a.department_id for a in matter.assignments if a.role == "lead"), None)
        others = [d.id for d in departments if d.id != lead_id]
        candidates, shared = others[:6], others[6]
        matter_id = matter.id
    url = f"/manage/matters/{matter_id}/edit"
    clients = [_client(live, "province_office") for _ in candidates]
    forms = []
    for client, new_lead in zip(clients, candidates, strict=True):
        page = client.get(url).get_data(as_text=True)
        fields = dict(
            re.findall(r'<input[^>]*name="(csrf_token|lock_version|title|category)"[^>]*value="([^"]*)"', page)
        )
        description = html.unescape(re.search(r'<textarea[^>]*name="description"[^>]*>(.*?)</textarea>', page, re.S)[1])
        # Every save changes only the departments (the matter's own row is not written before they
        # are), each names a new lead and one cooperating department in common: both unique indexes
        # (one lead per matter, one role per department) are in play.
        forms.append(
            {**fields, "lead": str(new_lead), "cooperating": [str(shared)], "description": description.strip()}
        )

    responses = _all_at_once([lambda c=c, f=f: c.post(url, data=f) for c, f in zip(clients, forms, strict=True)])
    statuses = Counter(r.status_code for r in responses)
    assert statuses[302] == 1 and 500 not in statuses, statuses
    losers = [r for r in responses if r.status_code != 302]
    assert all(CONFLICT in r.get_data(as_text=True) for r in losers)
    with live.app_context():
        leads = db.session.scalars(
            select(Assignment.department_id).where(Assignment.matter_id == matter_id, Assignment.role == "lead")
        ).all()
        assert len(leads) == 1 and leads[0] in candidates


def test_deleting_a_matter_twice_at_once_deletes_it_once(live):
    """A double click on 确认删除: the second request waits for the first, then finds nothing to delete."""
    with live.app_context():
        matter_id = _matter("交通运输噪声污染防治").id
    url = f"/manage/matters/{matter_id}/delete"
    clients = [_client(live, "province_office") for _ in range(3)]
    forms = []
    for client in clients:
        page = client.get(url).get_data(as_text=True)
        forms.append(dict(re.findall(r'<input[^>]*name="(csrf_token|lock_version)"[^>]*value="([^"]*)"', page)))
    responses = _all_at_once([lambda c=c, f=f: c.post(url, data=f) for c, f in zip(clients, forms, strict=True)])
    statuses = Counter(r.status_code for r in responses)
    assert statuses[302] == 1 and 500 not in statuses, statuses
    with live.app_context():
        from registry.lists.models import Matter

        assert db.session.get(Matter, matter_id) is None


def test_simultaneous_publishes_of_one_list_have_one_winner(live):
    from registry.versions.models import ListVersion

    url = "/manage/990000/versions/publish"
    clients = [_client(live, "province_office") for _ in range(4)]
    forms = []
    for n, client in enumerate(clients):
        token = CSRF_RE.search(client.get(url).get_data(as_text=True)).group(1)
        form = {
            "csrf_token": token,
            "label": f"并发版{n}",
            "doc_number": f"示政办发〔2026〕{n}号",
            "effective_date": "2026-12-01",
            "publisher": "示例省人民政府办公厅",
        }
        page = client.post(url, data=form).get_data(as_text=True)
        form["confirmed"] = re.search(r'name="confirmed" value="([^"]+)"', page).group(1)
        forms.append(form)
    with live.app_context():
        before = db.session.scalar(select(func.count()).select_from(ListVersion))

    responses = _all_at_once([lambda c=c, f=f: c.post(url, data=f) for c, f in zip(clients, forms, strict=True)])
    statuses = Counter(r.status_code for r in responses)
    assert statuses[302] == 1 and 500 not in statuses, statuses
    assert all("已发布了新版本" in r.get_data(as_text=True) for r in responses if r.status_code != 302)
    with live.app_context():
        assert db.session.scalar(select(func.count()).select_from(ListVersion)) == before + 1


def test_simultaneous_publishes_of_one_report_have_one_winner(live):
    from registry.reports.models import AnnualReport, ReportEvent

    with live.app_context():
        report = db.session.scalar(select(AnnualReport).where(AnnualReport.state == "accepted"))
        report_id = report.id
    url = f"/reports/{report_id}/publish"
    clients = [_client(live, "jtt_head") for _ in range(3)]
    tokens = [CSRF_RE.search(c.get(url).get_data(as_text=True)).group(1) for c in clients]

    responses = _all_at_once(
        [
            lambda c=c, t=t: c.post(url, data={"csrf_token": t, "confirm": "y"})
            for c, t in zip(clients, tokens, strict=True)
        ]
    )
    assert all(r.status_code == 302 for r in responses)  # each is sent back to the report page …
    pages = [c.get(f"/reports/{report_id}").get_data(as_text=True) for c in clients]  # … with its message
    assert sum("报告已公开" in p for p in pages) == 1
    assert sum("不能公开" in p for p in pages) == len(clients) - 1
    with live.app_context():
        publishes = db.session.scalar(
            select(func.count()).where(ReportEvent.report_id == report_id, ReportEvent.action == "publish")
        )
        assert publishes == 1
        assert db.session.get(AnnualReport, report_id).state == "published"


def test_list_health_seen_between_two_changes_committed_out_of_order_shows_both_after(live):
    # Two changes saved at once: the one that took the earlier audit entry commits last, so the newest
    # entry's id does not move at its commit. The province's health page seen between the two commits
    # must not be kept past the second.
    from registry.core.audit import AuditEntry
    from registry.jurisdictions.models import Jurisdiction
    from registry.lists.models import Matter

    office = _client(live, "province_office")
    office.get("/manage/990000/health")  # the login's flashed message

    def pairs() -> str:
        return office.get("/manage/990000/health").get_data(as_text=True).split("名称疑似重复的事项（")[1][:3]

    with live.app_context():
        province = db.session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == "990000"))
        m = db.session.scalar(
            select(Matter)
            .where(Matter.jurisdiction_id == province, Matter.category == "大气")
            .order_by(Matter.id.desc())
        )
        title = m.title
        entry = {"actor_name": "测试", "jurisdiction_id": province, "entity_type": "matters", "action": "update"}
        assert pairs() == "0 对"
        slow = db.engine.connect()
        try:
            slow.begin()
            slow.execute(AuditEntry.__table__.insert().values(entity_id=m.id, **entry))
            slow.execute(
                Matter.__table__.update()
                .where(Matter.id == m.id)
                .values(title="工业企业大气污染防治和超低排放改造", lock_version=Matter.lock_version + 1)
            )
            with db.engine.begin() as quick:
                quick.execute(AuditEntry.__table__.insert().values(entity_id=None, **entry))
            assert pairs() == "0 对"  # the slow change is not committed yet
            slow.commit()
        finally:
            slow.close()
        try:
            assert pairs() == "1 对"
        finally:
            with db.engine.begin() as conn:
                conn.execute(Matter.__table__.update().where(Matter.id == m.id).values(title=title))
