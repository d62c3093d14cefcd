"""The handling steps (registry/complaints/handling.py): every transition, who may take it and who may
not, the transfer rule, the one extension, the office's review; each step on the timeline and audited."""

from datetime import date

import pytest
from sqlalchemy import select

from registry.complaints import handling, rules
from registry.complaints.models import ComplaintSettings, ComplaintState, ExtensionState
from registry.core.audit import AuditEntry
from registry.core.errors import CONFLICT_MESSAGE, DomainError, DomainErrors
from registry.extensions import db
from tests.complaints.handling_support import City

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def city(app):
    return City()


def _kinds(complaint):
    return [e.kind for e in complaint.events]


def _audited(complaint, action):
    return db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_type == "complaints", AuditEntry.entity_id == complaint.id, AuditEntry.action == action
        )
    ).all()


def test_accepting_sets_the_reply_deadline_in_working_days_across_national_day(city):
    made = city.complaint(received=date(2026, 9, 29))
    handling.accept(made, city.users["agri"], expected_version=made.lock_version, today=date(2026, 9, 30))
    assert made.state == ComplaintState.ACCEPTED
    # 1–7 October off, Saturday 10 October a working day: the 15th working day after 30 September.
    assert made.reply_due == date(2026, 10, 27)
    assert _kinds(made) == ["submitted", "accepted"]
    assert len(_audited(made, "accepted")) == 1


@pytest.mark.parametrize("who", ["water", "ecology", "police"])
def test_another_or_a_cooperating_department_may_not_accept(city, who):
    made = city.complaint()
    with pytest.raises(handling.NotAllowed):
        handling.accept(made, city.users[who], expected_version=made.lock_version)
    assert made.state == ComplaintState.NEW


def test_offices_may_not_take_a_departments_step(city):
    made = city.complaint()
    for office in (city.office, city.province_office):
        with pytest.raises(handling.NotAllowed):
            handling.accept(made, office, expected_version=made.lock_version)


def test_a_stale_form_is_refused(city):
    made = city.complaint()
    version = made.lock_version
    handling.add_note(made, city.users["agri"], text="先核实。")
    handling.accept(made, city.users["agri"], expected_version=version)  # a note does not change the lock
    with pytest.raises(DomainError) as refused:
        handling.accept(made, city.users["agri2"], expected_version=version)
    assert str(refused.value) == str(CONFLICT_MESSAGE)


def test_a_bare_transfer_is_refused_with_every_missing_field(city):
    made = city.complaint()
    with pytest.raises(DomainErrors) as refused:
        handling.transfer(
            made, city.users["agri"], to_department_id=None, version_matter_id=None, reason=" ", expected_version=1
        )
    assert {e.field for e in refused.value.errors} == {"department", "matter", "reason"}
    assert made.department_id == city.agri.id and _kinds(made) == ["submitted"]


def test_a_transfer_names_a_department_of_the_place_or_above_never_itself(city):
    made = city.complaint()
    for target in (city.agri, city.other_ecology):  # itself; a department of another city
        with pytest.raises(DomainError) as refused:
            handling.transfer(
                made,
                city.users["agri"],
                to_department_id=target.id,
                version_matter_id=city.straw.id,
                reason="不属于本部门。",
                expected_version=made.lock_version,
            )
        assert refused.value.field == "department"
    assert city.province.id in {d.jurisdiction_id for d in handling.transfer_targets(made)}


def test_a_transfer_needs_a_matter_of_the_named_departments_list(city):
    made = city.complaint()
    provincial = handling.transfer_targets(made)[-1]
    with pytest.raises(DomainError) as refused:
        handling.transfer(
            made,
            city.users["agri"],
            to_department_id=provincial.id,
            version_matter_id=city.straw.id,  # a city matter, not in the province's list
            reason="应由省级办理。",
            expected_version=made.lock_version,
        )
    assert refused.value.field == "matter"


def test_transfer_moves_the_complaint_and_restarts_the_acceptance_clock(city):
    made = city.complaint()
    handling.accept(made, city.users["agri"], expected_version=made.lock_version)
    dust = handling.matters_of(city.ecology)[0]
    assert dust.lead_department_id == city.ecology.id  # its led matters come first
    handling.transfer(
        made,
        city.users["agri"],
        to_department_id=city.ecology.id,
        version_matter_id=dust.id,
        reason="现场为餐饮油烟，不是秸秆焚烧。",
        expected_version=made.lock_version,
        today=date(2026, 9, 30),
    )
    assert made.department_id == city.ecology.id
    assert (made.matter_title, made.version_matter_id, made.matter_id) == (dust.title, dust.id, dust.matter_id)
    assert made.state == ComplaintState.NEW and made.reply_due is None and made.accepted_at is None
    assert made.accept_due == date(2026, 10, 9)
    event = made.events[-1]
    assert (event.kind, event.department_id, event.to_department_id, event.matter_title) == (
        "transferred",
        city.agri.id,
        city.ecology.id,
        dust.title,
    )
    # The old department no longer handles it; the new one does.
    assert not rules.can_handle(city.users["agri"], made)
    assert rules.can_handle(city.users["ecology"], made)


def test_the_12369_desk_routes_a_complaint_without_a_matter(city):
    made = city.complaint(matter=False)
    assert made.routed_by == "desk" and made.department_id == city.ecology.id
    handling.transfer(
        made,
        city.users["ecology"],
        to_department_id=city.agri.id,
        version_matter_id=city.straw.id,
        reason="秸秆禁烧由农业农村局牵头。",
        expected_version=made.lock_version,
    )
    assert made.department_id == city.agri.id and made.matter_title == city.straw.title
    assert not rules.can_read(city.users["water"], made)


def test_answer_needs_acceptance_a_reply_and_acceptable_attachments(city):
    made = city.complaint(contact={"name": "李四", "phone": "13900000000"})
    with pytest.raises(DomainError):
        handling.answer(made, city.users["agri"], reply="已处理。", expected_version=made.lock_version)
    handling.accept(made, city.users["agri"], expected_version=made.lock_version)
    with pytest.raises(DomainErrors) as refused:
        handling.answer(
            made,
            city.users["agri"],
            reply="",
            attachments=[handling.Upload("报告.pdf", b"not really a pdf")],
            expected_version=made.lock_version,
        )
    assert {e.field for e in refused.value.errors} == {"reply", "attachments"}
    handling.answer(
        made,
        city.users["agri"],
        reply="经现场核查，已制止焚烧并对当事人批评教育。",
        attachments=[handling.Upload("核查报告", PDF)],
        expected_version=made.lock_version,
        today=date(2026, 10, 9),
    )
    assert made.state == ComplaintState.ANSWERED and made.answered_at is not None
    assert made.contact_erase_after == date(2028, 10, 8)  # 730 days after closing
    [attachment] = [f for f in made.files if f.kind == "attachment"]
    assert (attachment.filename, attachment.content_type) == ("核查报告.pdf", "application/pdf")
    assert attachment.event_id == made.events[-1].id
    assert "13900000000" not in str([e.after for e in _audited(made, "answered")])


def test_an_attachment_over_the_size_limit_is_refused(city, app):
    made = city.complaint()
    handling.accept(made, city.users["agri"], expected_version=made.lock_version)
    big = PDF + b" " * app.config["COMPLAINT_ATTACHMENT_MAX_BYTES"]
    with pytest.raises(DomainError) as refused:
        handling.answer(
            made,
            city.users["agri"],
            reply="答复",
            attachments=[handling.Upload("a.pdf", big)],
            expected_version=made.lock_version,
        )
    assert refused.value.field == "attachments"


def test_reject_needs_a_reason_and_names_the_responsible_department(city):
    made = city.complaint()
    with pytest.raises(DomainErrors) as refused:
        handling.reject(made, city.users["agri"], reason="", responsible="", expected_version=made.lock_version)
    assert {e.field for e in refused.value.errors} == {"reason", "responsible"}
    with pytest.raises(DomainError) as refused:  # nobody else responsible: say why
        handling.reject(
            made,
            city.users["agri"],
            reason="不归我们",
            responsible=handling.NO_DEPARTMENT,
            expected_version=made.lock_version,
        )
    assert refused.value.field == "reason"
    handling.reject(
        made,
        city.users["agri"],
        reason="该地块为城市建成区，露天焚烧垃圾由城管部门负责。",
        responsible=str(city.police.id),
        expected_version=made.lock_version,
    )
    assert made.state == ComplaintState.REJECTED and made.responsible_department_id == city.police.id
    assert made.answered_at is not None and made.contact_erase_after is not None


def test_reject_only_from_new(city):
    made = city.complaint()
    handling.accept(made, city.users["agri"], expected_version=made.lock_version)
    with pytest.raises(DomainError):
        handling.reject(
            made,
            city.users["agri"],
            reason="理由很充分的说明。",
            responsible="none",
            expected_version=made.lock_version,
        )


def test_one_extension_with_the_offices_consent(city):
    made = city.complaint()
    handling.accept(made, city.users["agri"], expected_version=made.lock_version, today=date(2026, 9, 30))
    with pytest.raises(DomainError):
        handling.request_extension(made, city.users["agri"], reason="", expected_version=made.lock_version)
    handling.request_extension(made, city.users["agri"], reason="需要检测报告。", expected_version=made.lock_version)
    assert made.extension_state == ExtensionState.REQUESTED
    with pytest.raises(DomainError):  # once
        handling.request_extension(made, city.users["agri"], reason="再延。", expected_version=made.lock_version)
    for not_the_office in (city.users["agri"], city.province_office):
        with pytest.raises(handling.NotAllowed):
            handling.decide_extension(made, not_the_office, grant=True, reason="", expected_version=made.lock_version)
    handling.decide_extension(made, city.office, grant=True, reason="", expected_version=made.lock_version)
    assert made.extension_state == ExtensionState.GRANTED
    assert made.reply_due == date(2026, 11, 17)  # 15 more working days after 27 October
    assert _kinds(made)[-2:] == ["extension_requested", "extension_granted"]


def test_refusing_an_extension_needs_a_reason(city):
    made = city.complaint()
    handling.accept(made, city.users["agri"], expected_version=made.lock_version)
    due = made.reply_due
    handling.request_extension(made, city.users["agri"], reason="需要检测报告。", expected_version=made.lock_version)
    with pytest.raises(DomainError) as refused:
        handling.decide_extension(made, city.office, grant=False, reason="", expected_version=made.lock_version)
    assert refused.value.field == "reason"
    handling.decide_extension(
        made, city.office, grant=False, reason="情况简单，按期办结。", expected_version=made.lock_version
    )
    assert made.extension_state == ExtensionState.REFUSED and made.reply_due == due


def _reopened(city):
    made = city.complaint()
    handling.accept(made, city.users["agri"], expected_version=made.lock_version)
    handling.answer(made, city.users["agri"], reply="已处理。", expected_version=made.lock_version)
    made.state = ComplaintState.REOPENED  # as the person's 不满意 leaves it (intake.rate)
    made.contact_erase_after = None
    made.reopened_count = 1
    db.session.flush()
    return made


def test_the_office_sends_a_reopened_complaint_back(city):
    made = _reopened(city)
    with pytest.raises(handling.NotAllowed):
        handling.review(made, city.users["agri"], redo=True, comment="重办", expected_version=made.lock_version)
    with pytest.raises(DomainError):
        handling.review(made, city.office, redo=True, comment="", expected_version=made.lock_version)
    handling.review(
        made,
        city.office,
        redo=True,
        comment="请再次现场核查。",
        expected_version=made.lock_version,
        today=date(2026, 9, 30),
    )
    assert made.state == ComplaintState.ACCEPTED and made.reply_due == date(2026, 10, 27)
    assert made.contact_erase_after is None and _kinds(made)[-1] == "redo"


def test_the_office_upholds_the_reply(city):
    made = _reopened(city)
    handling.review(made, city.office, redo=False, comment="答复属实，维持。", expected_version=made.lock_version)
    assert made.state == ComplaintState.ANSWERED and made.contact_erase_after is not None
    assert _kinds(made)[-1] == "upheld"
    with pytest.raises(DomainError):
        handling.review(made, city.office, redo=False, comment="再维持", expected_version=made.lock_version)


def test_notes_from_the_handling_and_cooperating_departments_and_the_office(city):
    made = city.complaint()
    for who in (city.users["agri"], city.users["police"], city.office):
        handling.add_note(made, who, text="已知悉。")
    assert _kinds(made).count("note") == 3
    for outsider in (city.users["water"], city.province_office):
        with pytest.raises(handling.NotAllowed):
            handling.add_note(made, outsider, text="路过。")
    with pytest.raises(DomainError):
        handling.add_note(made, city.users["agri"], text=" ")


def test_only_the_handling_department_publishes_a_photo(city):
    from registry.complaints.models import ComplaintFile

    made = city.complaint()
    photo = ComplaintFile(
        complaint=made,
        kind="photo",
        filename="现场.jpg",
        content_type="image/jpeg",
        size=3,
        sha256="0" * 64,
        data=b"abc",
    )
    db.session.add(photo)
    db.session.flush()
    with pytest.raises(handling.NotAllowed):
        handling.publish_photo(made, city.users["police"], photo)
    handling.publish_photo(made, city.users["agri"], photo)
    assert photo.publishable and _kinds(made)[-1] == "photo_published"


def test_deadline_settings_per_jurisdiction_inherited_below(city):
    view = handling.settings_view(city.city)
    assert view.values == ComplaintSettings.DEFAULTS and view.source is None
    with pytest.raises(DomainErrors) as refused:
        handling.update_settings(city.province, city.province_office, accept_days=0, reply_days=61, extension_days=None)
    assert {e.field for e in refused.value.errors} == {"accept_days", "reply_days", "extension_days"}
    with pytest.raises(handling.NotAllowed):
        handling.update_settings(city.province, city.office, accept_days=3, reply_days=20, extension_days=10)
    handling.update_settings(city.province, city.province_office, accept_days=3, reply_days=20, extension_days=10)
    view = handling.settings_view(city.city)
    assert view.values == {"accept_days": 3, "reply_days": 20, "extension_days": 10}
    assert (view.own, view.source.id) == (False, city.province.id)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "complaint_settings")).one()
    assert entry.after["reply_days"] == 20
