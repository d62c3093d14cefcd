"""The complaint factory the other complaint tests build on leaves what the public form leaves."""

from datetime import date

from registry.complaints.models import ComplaintState
from tests import factories


def test_a_new_complaint_is_due_for_acceptance_in_working_days(app):
    province = factories.jurisdiction("950000", "province")
    department = factories.department(province, "测试省生态环境厅")
    # 2026-09-30 (Wednesday) + 2 working days: 国庆 1–7 October are off, so the 8th and the 9th.
    made = factories.complaint(department, received=date(2026, 9, 30), contact={"name": "张三", "phone": "13800000000"})
    assert made.state == ComplaintState.NEW
    assert made.accept_due == date(2026, 10, 9)
    assert [e.kind for e in made.events] == ["submitted"]
    assert made.contact.name == "张三"
