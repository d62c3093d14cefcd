"""What the decomposition and progress tests share: a small world of their own (a province, a city, its
departments with units, users), a ledger with one task, independent of the demo."""

import re

from sqlalchemy import select

from registry.auth.models import User
from registry.extensions import db
from registry.lists import services as list_services
from registry.notify.models import Notification
from tests import factories
from tests.conftest import Auth, csrf_token

PASSWORD = "password-123"  # factories.user's
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LOCK_RE = re.compile(r'name="lock_version"[^>]*value="(\d*)"')


class World:
    """江川市 (in 测试省): 农业农村局 leads the task, 住房和城乡建设局 and 生态环境局 cooperate, 水利局 has
    nothing to do with it. 农业农村局 has one unit (种植业管理科). Users: jc_office (the city's office),
    up_office (the province's office, above it), jc_agri / jc_agri_ed (the lead's head and editor),
    jc_build (cooperating head), jc_eco (cooperating editor), jc_water (another department)."""

    def __init__(self):
        self.province = factories.jurisdiction("660000", "province", name="测试省")
        self.city = factories.jurisdiction("660100", "city", parent=self.province, name="江川市")
        self.agri = factories.department(self.city, "江川市农业农村局", sector="农业农村")
        self.build = factories.department(self.city, "江川市住房和城乡建设局", sector="住房城乡建设")
        self.eco = factories.department(self.city, "江川市生态环境局")
        self.water = factories.department(self.city, "江川市水利局", sector="水利")
        self.planting = list_services.create_unit(self.agri, name="种植业管理科", actor="测试")
        self.water_unit = list_services.create_unit(self.water, name="河湖管理科", actor="测试")
        self.users = {
            "jc_office": factories.user("jc_office", "office_admin", self.city),
            "up_office": factories.user("up_office", "office_admin", self.province),
            "jc_agri": factories.user("jc_agri", "dept_head", self.city, self.agri),
            "jc_agri_ed": factories.user("jc_agri_ed", "dept_editor", self.city, self.agri),
            "jc_build": factories.user("jc_build", "dept_head", self.city, self.build),
            "jc_eco": factories.user("jc_eco", "dept_editor", self.city, self.eco),
            "jc_water": factories.user("jc_water", "dept_head", self.city, self.water),
        }
        self.ledger = factories.ledger(self.city, title="H2 测试整改台账")
        self.task = factories.task(self.ledger, self.agri, cooperating=[self.build, self.eco])
        self.straw = list_services.create_matter(
            self.city, title="秸秆禁烧网格化巡查", category="大气", lead=self.agri, cooperating=[self.eco], actor="测试"
        )
        self.river = list_services.create_matter(
            self.city, title="河道采砂管理", category="水", lead=self.water, cooperating=[], actor="测试"
        )
        db.session.flush()


class Client:
    """A signed-in test client: GET a page, POST a form with the page's CSRF token (and lock_version)."""

    def __init__(self, client, username: str | None = None):
        self.client = client
        if username:
            response = Auth(client).login(username, PASSWORD)
            assert response.status_code == 302, f"login as {username} failed"

    def get(self, url: str):
        return self.client.get(url)

    def token(self) -> str:
        return csrf_token(self.client, "/")

    def post(self, url: str, data: dict, **kwargs):
        return self.client.post(url, data={"csrf_token": self.token(), **data}, **kwargs)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def lock_of(html: str) -> str:
    return LOCK_RE.search(html).group(1)


def told(kind: str) -> list[tuple[str, str]]:
    """(username, title) of every notice of kind, by username."""
    return sorted(
        db.session.execute(
            select(User.username, Notification.title)
            .join(User, User.id == Notification.user_id)
            .where(Notification.kind == kind)
        ).tuples()
    )
