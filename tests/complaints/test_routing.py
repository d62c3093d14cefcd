"""Where a report goes (intake.route) and which matters the check page offers (find_candidates):
the lead department of the chosen matter in the list it is in, found in the place or a parent;
the place's 12369 desk when no matter is chosen or the matter has no lead; never a matter the place's
lists do not hold in force, whatever the form says."""

import pytest
from sqlalchemy import select

from registry.complaints import intake
from registry.complaints.models import RoutedBy
from registry.core.errors import DomainError
from registry.extensions import db
from registry.jurisdictions.queries import by_code
from registry.versions.models import VersionMatter
from registry.versions.queries import in_force
from tests import factories
from tests.complaints.public_helpers import checked_matter, step1, text


def in_force_matter(code: str, title: str) -> VersionMatter:
    place = by_code(code)
    return db.session.scalar(
        select(VersionMatter).where(VersionMatter.version_id == in_force(place.id), VersionMatter.title == title)
    )


def test_a_matter_of_the_place_goes_to_its_lead_department(demo):
    city = by_code("990100")
    straw = in_force_matter("990100", "秸秆禁烧网格化巡查")
    routing = intake.route(city, straw.id)
    assert routing.department.name == "江川市农业农村局"
    assert routing.routed_by == RoutedBy.MATTER and routing.version_matter.id == straw.id
    found = intake.find_candidates("村里有人烧秸秆", city).candidates
    assert found[0].title == "秸秆禁烧网格化巡查" and found[0].list_name == "江川市"
    assert found[0].lead["name"] == "江川市农业农村局"
    assert {p["name"] for p in found[0].cooperating} == {"江川市生态环境局", "江川市公安局"}


def test_a_matter_found_only_in_the_parent_list_goes_to_the_parent_lead(demo):
    city = by_code("990100")
    found = intake.find_candidates("秸秆综合利用", city).candidates
    province_matter = next(c for c in found if c.title == "秸秆露天焚烧管控与综合利用")
    assert province_matter.list_name == "示例省"  # the check page says whose list it is
    assert province_matter.receiver.name == "省农业农村厅"
    routing = intake.route(city, province_matter.version_matter_id)
    assert routing.department.name == "省农业农村厅" and routing.routed_by == RoutedBy.MATTER


def test_a_county_without_a_list_finds_the_city_matter(demo):
    city = by_code("990100")
    county = factories.jurisdiction("990101", "county", parent=city, name="测试县")
    found = intake.find_candidates("有人在地里烧秸秆", county).candidates
    assert found[0].title == "秸秆禁烧网格化巡查" and found[0].list_name == "江川市"
    assert intake.route(county, found[0].version_matter_id).department.name == "江川市农业农村局"
    # no matter and no ecology department of its own: the nearest parent's desk
    assert intake.route(county, None).department.name == "江川市生态环境局"


def test_not_sure_or_nothing_found_goes_to_the_desk(demo, client):
    city = by_code("990100")
    routing = intake.route(city, None)
    assert routing.department.name == "江川市生态环境局" and routing.routed_by == RoutedBy.DESK
    assert routing.version_matter is None
    response, _ = step1(client, description="门口那个东西一直很奇怪的样子啊")
    page = text(response)
    assert response.status_code == 200
    assert "不确定（由同级生态环境部门（12369）分办）" in page
    assert "选此项将交由江川市生态环境局办理" in page


def test_a_pending_matter_goes_to_the_desk_and_keeps_the_matter(demo):
    city = by_code("990100")
    pending = in_force_matter("990100", "夜间渣土运输噪声管控")
    assert pending.lead_department_id is None
    routing = intake.route(city, pending.id)
    assert routing.department.name == "江川市生态环境局" and routing.routed_by == RoutedBy.DESK
    assert routing.version_matter.id == pending.id


def test_a_matter_of_another_place_or_a_made_up_id_is_refused(demo):
    city = by_code("990100")
    other_city = in_force_matter("990200", "秸秆禁烧网格化巡查")
    for tampered in (other_city.id, 2**31 - 1, 0):
        with pytest.raises(DomainError) as refused:
            intake.route(city, tampered)
        assert refused.value.field == "matter"
    # the province's matter is fine from the city, the city's is not from the province
    with pytest.raises(DomainError):
        intake.route(by_code("990000"), in_force_matter("990100", "秸秆禁烧网格化巡查").id)


def test_a_matter_of_another_province_is_refused(demo):
    other = factories.jurisdiction("910000", "province", name="测试省")
    factories.department(other, "测试省生态环境厅")
    city = by_code("990100")
    province_matter = in_force_matter("990000", "秸秆露天焚烧管控与综合利用")
    assert intake.route(city, province_matter.id).department.name == "省农业农村厅"
    with pytest.raises(DomainError):
        intake.route(other, province_matter.id)


def test_a_superseded_version_matter_is_refused(demo):
    city = by_code("990100")
    old = in_force_matter("990100", "秸秆禁烧网格化巡查")
    _matter, _old_lead, ecology, _version = factories.second_city_version(city)
    with pytest.raises(DomainError):
        intake.route(city, old.id)
    new = in_force_matter("990100", "秸秆禁烧网格化巡查")
    assert intake.route(city, new.id).department.name == ecology.name


def test_the_check_page_preselects_the_matter_named_from_its_public_page(demo, client):
    straw = in_force_matter("990100", "秸秆禁烧网格化巡查")
    page = client.get(f"/complaints/new?jurisdiction=990100&matter={straw.matter_id}").get_data(as_text=True)
    assert "您要反映的事项：秸秆禁烧网格化巡查（江川市现行清单）" in page
    matter_page = client.get(f"/matters/{straw.matter_id}").get_data(as_text=True)
    assert f"/complaints/new?jurisdiction=990100&amp;matter={straw.matter_id}" in matter_page
    response, _ = step1(client, description="路边的东西有很大的噪音很烦人的", matter_ref=str(straw.matter_id))
    assert checked_matter(text(response)) == str(straw.id)
