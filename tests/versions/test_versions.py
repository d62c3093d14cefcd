"""Published versions: in force, withdrawn (never changed), compared."""

from datetime import date

import pytest
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.core.db import PublishedDataImmutable
from registry.core.errors import DomainError
from registry.extensions import db
from registry.lists import services
from registry.lists.models import Matter
from registry.versions import diff
from registry.versions import services as version_services
from registry.versions.models import ListVersion
from registry.versions.queries import version_by_label, version_in_force, versions_of
from registry.versions.services import withdraw_version


def publish(j, label, effective=date(2026, 1, 1)):
    return version_services.publish_version(
        j,
        label=label,
        doc_number=f"{label}号",
        effective_date=effective,
        publisher="参考省政府",
        actor="测试",
    )


def change_lead(j, title, new_lead):
    m = db.session.scalar(select(Matter).where(Matter.jurisdiction_id == j.id, Matter.title == title))
    lead = services.resolve_department(j, new_lead)
    services.update_matter(
        m,
        title=m.title,
        category=m.category,
        description=m.description,
        lead=lead,
        cooperating=[d for d in m.cooperating if d.id != lead.id],
        citations=[(c.document, c.article) for c in m.citations],
        actor="测试",
    )
    db.session.flush()
    return m


def test_publish_change_a_lead_publish_again_and_compare(ref):
    first = version_by_label(ref, "2025年版")
    change_lead(ref, "清洁取暖与散煤治理", "省住房城乡建设厅")
    second = publish(ref, "2026年版")
    result = diff.compare_versions(first, second)
    assert [(c.new.title, c.old.lead[1], c.new.lead[1]) for c in result.lead_changes] == [
        ("清洁取暖与散煤治理", "省能源局", "省住房城乡建设厅")
    ]
    assert result.added == [] and result.removed == []


def test_version_in_force_is_the_latest_effective_not_withdrawn(ref):
    first = version_by_label(ref, "2025年版")
    assert version_in_force(ref, date(2024, 12, 31)) is None
    assert version_in_force(ref, date(2025, 6, 1)) == first
    second = publish(ref, "2026年版", effective=date(2026, 1, 1))
    assert version_in_force(ref, date(2025, 12, 31)) == first
    assert version_in_force(ref, date(2026, 1, 1)) == second
    withdraw_version(second, "发现错误，重新发布", actor="测试")
    assert version_in_force(ref, date(2026, 6, 1)) == first


def test_withdrawn_version_stays_unchanged_and_is_audited(ref):
    version = version_by_label(ref, "2025年版")
    checksum, count = version.checksum, version.matter_count
    withdrawal = withdraw_version(version, "已被取代", actor="测试")
    db.session.flush()
    db.session.expire_all()
    version = db.session.get(ListVersion, version.id)
    assert version.withdrawn and version.withdrawal.id == withdrawal.id
    assert (version.checksum, version.matter_count, version.label) == (checksum, count, "2025年版")
    assert version in versions_of(ref)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "withdraw"))
    assert entry.entity_id == version.id and entry.after["reason"] == "已被取代"


def test_withdraw_needs_a_reason_and_happens_once(ref):
    version = version_by_label(ref, "2025年版")
    with pytest.raises(DomainError, match="废止原因"):
        withdraw_version(version, "  ", actor="测试")
    withdraw_version(version, "已被取代", actor="测试")
    with pytest.raises(DomainError, match="已于此前废止"):
        withdraw_version(version, "再来一次", actor="测试")


def test_published_version_cannot_be_edited(ref):
    version = version_by_label(ref, "2025年版")
    version.label = "改名"
    with pytest.raises(PublishedDataImmutable):
        db.session.flush()
    db.session.rollback()


def test_duplicate_label_is_refused(ref):
    with pytest.raises(DomainError, match="已存在"):
        publish(ref, "2025年版")
