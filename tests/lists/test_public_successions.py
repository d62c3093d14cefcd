"""机构改革 on the public department page (reviewer #17 of #14): a successor's name and 文号 are working
data until the jurisdiction publishes a version that has the successor; the office pages say it at once."""

from sqlalchemy import select

from registry.core.timezone import local_today
from registry.extensions import db
from registry.lists.models import DepartmentSuccession
from registry.lists.services.reorganisation import Basis, NewDepartment, merge_departments
from registry.public.queries.departments import successions
from registry.versions import services as version_services
from tests.conftest import another_client
from tests.lists.conftest import department, jurisdiction
from tests.lists.test_audit_log import visible


def test_a_merge_into_a_new_department_is_public_only_once_a_version_in_force_has_it(app, browser):
    energy = department("省能源局")
    successor = merge_departments(
        [energy],
        NewDepartment("省能源发展局", sector="能源"),
        basis=Basis(doc_number="示编发〔2026〕9号"),
        actor="测试",
    )
    db.session.commit()
    browser.login("province_office")
    assert "省能源发展局" in visible(browser.get(f"/manage/departments/{energy.id}"))  # the office knows at once
    public = visible(another_client(app).get(f"/departments/{energy.id}").get_data(as_text=True))
    assert "省能源局" in public and "省能源发展局" not in public and "示编发〔2026〕9号" not in public
    assert successions(energy.id) == []
    # A version published but not yet in force changes nothing either.
    province = jurisdiction("990000")
    later = local_today().replace(year=local_today().year + 1)
    version_services.publish_version(
        province,
        label="下年版",
        doc_number="示政办发〔2027〕1号",
        effective_date=later,
        publisher="示例省",
        actor="测试",
    )
    db.session.commit()
    assert "省能源发展局" not in another_client(app).get(f"/departments/{energy.id}").get_data(as_text=True)
    version_services.publish_version(
        province,
        label="今年版",
        doc_number="示政办发〔2026〕2号",
        effective_date=local_today(),
        publisher="示例省",
        actor="测试",
    )
    db.session.commit()
    # 今年版 is in force today (下年版 only next year) and has the successor: now the page says it.
    page = another_client(app).get(f"/departments/{energy.id}").get_data(as_text=True)
    assert "该部门已并入" in page and f'href="/departments/{successor.id}"' in page and "示编发〔2026〕9号" in page
    [shown] = successions(energy.id)
    assert shown["to_name"] == "省能源发展局" and shown["linked"]


def test_the_notice_names_the_successor_as_the_version_in_force_does(app, browser):
    from registry.lists.services.reorganisation import rename_department

    sthj = department("省生态环境厅")
    rename_department(sthj, name="省生态环境保护厅", basis=Basis(doc_number="示编发〔2026〕5号"), actor="测试")
    db.session.commit()
    version_services.publish_version(
        jurisdiction("990000"),
        label="今年版",
        doc_number="示政办发〔2026〕2号",
        effective_date=local_today(),
        publisher="示例省",
        actor="测试",
    )
    # Renamed again, not yet published: the public page keeps the name in force and says nothing of the new one.
    rename_department(sthj, name="省生态环境和气候厅", basis=Basis(doc_number="示编发〔2026〕7号"), actor="测试")
    db.session.commit()
    page = visible(another_client(app).get(f"/departments/{sthj.id}").get_data(as_text=True))
    assert "已更名为「省生态环境保护厅」" in page and "示编发〔2026〕5号" in page
    assert "省生态环境和气候厅" not in page and "示编发〔2026〕7号" not in page
    assert (
        len(
            db.session.scalars(
                select(DepartmentSuccession).where(DepartmentSuccession.from_department_id == sthj.id)
            ).all()
        )
        == 2
    )
