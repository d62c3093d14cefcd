"""The model's invariants hold in the database and in the services."""

import pytest
from sqlalchemy.exc import IntegrityError

from registry.core.errors import DomainError
from registry.extensions import db
from registry.lists import services
from registry.lists.models import Assignment, Matter
from registry.versions import services as version_services
from tests import factories


@pytest.fixture
def province():
    return factories.jurisdiction("910000", "province", name="甲省")


def test_database_refuses_a_second_lead(province):
    a = factories.department(province, "甲省生态环境厅")
    b = factories.department(province, "甲省水利厅", sector="水利")
    matter = services.create_matter(province, title="河湖治理", category="水", lead=a, actor="测试")
    db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Assignment(matter_id=matter.id, department_id=b.id, role="lead"))
        db.session.flush()


def test_database_refuses_one_department_in_two_roles(province):
    a = factories.department(province, "甲省生态环境厅")
    matter = services.create_matter(province, title="河湖治理", category="水", lead=a, actor="测试")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Assignment(matter_id=matter.id, department_id=a.id, role="cooperating"))
        db.session.flush()


def test_database_refuses_a_delegation_target_on_a_matter_not_delegated(province):
    # A matter delegated to several lower jurisdictions names none (its copies do); one that is not
    # delegated names none either.
    city = factories.jurisdiction("910100", "city", name="甲市", parent=province)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            Matter(jurisdiction_id=province.id, title="x", category="水", status="pending", delegated_to_id=city.id)
        )
        db.session.flush()


def test_department_of_another_jurisdiction_cannot_be_assigned(province):
    other = factories.jurisdiction("920000", "province", name="乙省")
    outsider = factories.department(other, "乙省生态环境厅")
    with pytest.raises(DomainError, match="不属于甲省"):
        services.create_matter(province, title="扬尘治理", category="大气", lead=outsider, actor="测试")
    inside = factories.department(province, "甲省住房城乡建设厅", sector="住房城乡建设")
    with pytest.raises(DomainError, match="不属于甲省"):
        services.create_matter(
            province, title="扬尘治理", category="大气", lead=inside, cooperating=[outsider], actor="测试"
        )


def test_lead_cannot_also_cooperate(province):
    a = factories.department(province, "甲省生态环境厅")
    with pytest.raises(DomainError, match="不能同时作为配合部门") as e:
        services.create_matter(province, title="扬尘治理", category="大气", lead=a, cooperating=[a], actor="测试")
    assert e.value.field == "cooperating"


def test_matter_without_lead_is_pending_and_with_lead_assigned(province):
    a = factories.department(province, "甲省生态环境厅")
    assert services.create_matter(province, title="光污染防治", category="噪声", actor="测试").status == "pending"
    assert services.create_matter(province, title="扬尘", category="大气", lead=a, actor="测试").status == "assigned"


def test_changes_are_audited_in_the_same_transaction(province):
    from registry.core.audit import AuditEntry

    a = factories.department(province, "甲省生态环境厅")
    matter = services.create_matter(province, title="扬尘", category="大气", lead=a, actor="测试")
    entries = db.session.query(AuditEntry).filter_by(entity_type="matters", entity_id=matter.id).all()
    assert [e.action for e in entries] == ["create"]
    assert entries[0].after["lead"] == "甲省生态环境厅"


def test_published_version_cannot_be_modified(province):
    from datetime import date

    from registry.core.db import PublishedDataImmutable

    a = factories.department(province, "甲省生态环境厅")
    services.create_matter(province, title="扬尘", category="大气", lead=a, actor="测试")
    version = version_services.publish_version(
        province,
        label="2025年版",
        doc_number="甲政办〔2025〕1号",
        effective_date=date(2025, 1, 1),
        publisher="甲省",
        actor="测试",
    )
    assert version.matter_count == 1 and len(version.checksum) == 64
    version.matters[0].title = "改过的标题"
    with pytest.raises(PublishedDataImmutable):
        db.session.flush()


def test_every_change_names_who_made_it(province):
    """No audit entry is written by nobody: a service called without an actor refuses."""
    with pytest.raises(ValueError, match="names who made it"):
        services.create_matter(province, title="无名氏事项", category="水", actor=None)
    with pytest.raises(TypeError):
        services.create_matter(province, title="无名氏事项", category="水")  # the actor is a required argument
