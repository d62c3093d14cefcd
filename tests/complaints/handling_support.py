"""What the handling tests share: a small world of their own (a province and two cities, departments,
a published list in force, users), independent of the demo, and a short way to make a complaint."""

from datetime import date

from sqlalchemy import select

from registry.auth.models import User
from registry.complaints.models import Complaint
from registry.extensions import db
from registry.lists import services as list_services
from registry.versions import services as version_services
from registry.versions.models import VersionMatter
from registry.versions.queries import in_force
from tests import factories

PASSWORD = "password-123"  # factories.user's
CITY_CODE = "880100"
PROVINCE_CODE = "880000"


def _publish(j, matters):
    for title, lead, cooperating in matters:
        list_services.create_matter(j, title=title, category="大气", lead=lead, cooperating=cooperating, actor="测试")
    version_services.publish_version(
        j,
        label="2025年版",
        doc_number=f"测政办发〔2025〕{j.code[-3:]}号",
        effective_date=date(2025, 1, 1),
        publisher="测试",
        actor="测试",
    )


class City:
    """江川市 (in 测试省) with users for four of its departments: 农业农村局 leads the straw matter,
    生态环境局 (the 12369 desk) and 公安局 cooperate on it, 水利局 has nothing to do with it."""

    def __init__(self):
        self.province = factories.jurisdiction(PROVINCE_CODE, "province", name="测试省")
        self.city = factories.jurisdiction(CITY_CODE, "city", parent=self.province, name="江川市")
        self.other_city = factories.jurisdiction("880200", "city", parent=self.province, name="云岭市")
        self.province_ecology = factories.department(self.province, "测试省生态环境厅")
        self.agri = factories.department(self.city, "江川市农业农村局", sector="农业农村")
        self.ecology = factories.department(self.city, "江川市生态环境局")
        self.police = factories.department(self.city, "江川市公安局", sector="公安")
        self.water = factories.department(self.city, "江川市水利局", sector="水利")
        self.other_ecology = factories.department(self.other_city, "云岭市生态环境局")
        _publish(
            self.city,
            [
                ("城区餐饮油烟污染治理", self.ecology, []),
                ("秸秆禁烧网格化巡查", self.agri, [self.ecology, self.police]),
                ("河道采砂管理", self.water, []),
            ],
        )
        _publish(self.province, [("重点排污单位监管", self.province_ecology, [])])
        self.straw = db.session.scalar(
            select(VersionMatter).where(
                VersionMatter.version_id == in_force(self.city.id, date(2026, 1, 1)),
                VersionMatter.title.contains("秸秆"),
            )
        )
        self.users = {
            "agri": factories.user("jc_agri", "dept_editor", self.city, self.agri),
            "agri2": factories.user("jc_agri_head", "dept_head", self.city, self.agri),
            "ecology": factories.user("jc_eco", "dept_editor", self.city, self.ecology),
            "police": factories.user("jc_police", "dept_editor", self.city, self.police),
            "water": factories.user("jc_water", "dept_editor", self.city, self.water),
        }
        self.office = factories.user("jc_office", "office_admin", self.city)
        self.province_office = factories.user("prov_office", "office_admin", self.province)
        db.session.flush()

    def complaint(self, *, matter: bool = True, **kwargs) -> Complaint:
        """A complaint about straw burning: about the straw matter (to its lead) or none (the desk)."""
        if matter:
            return factories.complaint(self.agri, version_matter=self.straw, **kwargs)
        return factories.complaint(self.ecology, **kwargs)


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))
