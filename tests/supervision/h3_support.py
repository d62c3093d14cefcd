"""What the 督办 and 销号 tests share: a small world of their own (a province, a city, its departments
and users, a ledger with one task), independent of the demo."""

from datetime import date

from sqlalchemy import delete, insert

from registry.extensions import db
from registry.supervision.models import certifying_departments
from tests import factories
from tests.conftest import Auth, csrf_token

PASSWORD = "password-123"  # factories.user's


class World:
    """江川市 (in 测试省): 农业农村局 leads the task, 住房和城乡建设局 cooperates, 生态环境局 and 自然资源局 are
    the designated certifiers, 水利局 has nothing to do with it. Users: jc_office (the city's office),
    sh_office (the province's office, above it), jc_agri / jc_agri_ed (the lead's head and editor),
    jc_build (cooperating), jc_eco and jc_land (certifiers), jc_water (another department)."""

    def __init__(self, *, due_date: date = date(2026, 12, 31), certifiers: bool = True):
        self.province = factories.jurisdiction("770000", "province", name="测试省")
        self.city = factories.jurisdiction("770100", "city", parent=self.province, name="江川市")
        self.agri = factories.department(self.city, "江川市农业农村局", sector="农业农村")
        self.build = factories.department(self.city, "江川市住房和城乡建设局", sector="住房城乡建设")
        self.eco = factories.department(self.city, "江川市生态环境局")
        self.land = factories.department(self.city, "江川市自然资源局", sector="自然资源")
        self.water = factories.department(self.city, "江川市水利局", sector="水利")
        self.users = {
            "jc_office": factories.user("jc_office", "office_admin", self.city),
            "sh_office": factories.user("sh_office", "office_admin", self.province),
            "jc_agri": factories.user("jc_agri", "dept_head", self.city, self.agri),
            "jc_agri_ed": factories.user("jc_agri_ed", "dept_editor", self.city, self.agri),
            "jc_build": factories.user("jc_build", "dept_head", self.city, self.build),
            "jc_eco": factories.user("jc_eco", "dept_head", self.city, self.eco),
            "jc_land": factories.user("jc_land", "dept_editor", self.city, self.land),
            "jc_water": factories.user("jc_water", "dept_head", self.city, self.water),
            "admin": factories.user("h3_admin", "sysadmin", self.province),
        }
        self.ledger = factories.ledger(self.city, title="H3 测试整改台账")
        self.task = factories.task(self.ledger, self.agri, cooperating=[self.build], due_date=due_date)
        self.set_certifiers([self.eco, self.land] if certifiers else [])
        db.session.flush()

    def set_certifiers(self, departments) -> None:
        db.session.execute(
            delete(certifying_departments).where(certifying_departments.c.jurisdiction_id == self.city.id)
        )
        for d in departments:
            db.session.execute(insert(certifying_departments).values(jurisdiction_id=self.city.id, department_id=d.id))
        db.session.flush()

    def user(self, name):
        return self.users[name]


def login(client, username: str) -> str:
    """Sign in; the CSRF token of the session."""
    if username == "admin":
        username = "h3_admin"
    response = Auth(client).login(username, PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return csrf_token(client, "/")


def text(response) -> str:
    return response.get_data(as_text=True)
