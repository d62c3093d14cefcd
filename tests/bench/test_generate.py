"""The benchmark's data generator, at a tiny scale, through the same code path as `make bench`:
what it produces must be a coherent registry (no timing is asserted here)."""

from collections import Counter

from sqlalchemy import func, select

from bench import http, search
from bench.generate import generate, plan_tree
from bench.scales import SCALES
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Assignment, Department, Matter
from registry.public.search import query_terms, search_ids
from registry.reports.models import AnnualReport, ReportingCycle
from registry.versions.models import ListVersion, VersionMatter

TINY = SCALES["tiny"]


def test_tiny_generation_is_coherent(app):
    result = generate(TINY, progress=False)

    assert (result.jurisdictions, result.departments, result.matters) == (3, 36, 51)
    province = db.session.scalar(select(Jurisdiction).where(Jurisdiction.level == "province"))
    assert [c.level for c in province.children] == ["city", "city"]

    for jurisdiction in db.session.scalars(select(Jurisdiction)):
        departments = db.session.scalars(select(Department).where(Department.jurisdiction_id == jurisdiction.id)).all()
        assert len({d.sector for d in departments}) == TINY.departments_per_jurisdiction
        versions = db.session.scalars(select(ListVersion).where(ListVersion.jurisdiction_id == jurisdiction.id)).all()
        assert [v.matter_count for v in versions] == [TINY.matters_per_jurisdiction]

    leads = Counter(db.session.scalars(select(Assignment.matter_id).where(Assignment.role == "lead")).all())
    assert set(leads.values()) == {1}
    for matter in db.session.scalars(select(Matter)):
        if matter.status == "assigned":
            assert matter.lead is not None and matter.lead.jurisdiction_id == matter.jurisdiction_id
            assert matter.lead not in matter.cooperating
        else:
            assert matter.status == "pending" and matter.assignments == []

    # The reference titles come first in every list: 秸秆 is found once per jurisdiction at least.
    assert search_ids("秸秆").total >= 3
    assert db.session.scalar(select(func.count()).select_from(VersionMatter)) == 51

    cycle = db.session.scalar(select(ReportingCycle))
    assert db.session.scalar(select(func.count()).where(AnnualReport.cycle_id == cycle.id)) == 12


def test_the_pages_the_load_test_requests_exist(app, client):
    generate(TINY, progress=False, reports=False)
    for kind, paths in http.targets().items():
        assert paths, kind
        for path in paths[:3]:
            assert client.get(path).status_code == 200, (kind, path)


def test_search_queries_are_all_searchable():
    shapes = search.queries()
    assert set(shapes) == {"2字", "3字", "4字", "两词", "日常"}
    assert all(len(qs) == search.PER_SHAPE for shape, qs in shapes.items() if shape != "日常")
    for q in shapes["日常"]:  # everyday words, 烧 included (through the synonym table)
        assert query_terms(q).words, q
    assert all(len(q) == 2 for q in shapes["2字"]) and all(len(q) == 4 for q in shapes["4字"])
    assert all(len(q.split()) == 2 for q in shapes["两词"])


def test_tree_codes_are_unique_and_parents_come_first():
    rows = plan_tree(SCALES["province"])
    codes = [code for code, *_ in rows]
    assert len(codes) == len(set(codes)) == SCALES["province"].jurisdictions
    seen = set()
    for code, _name, _level, parent in rows:
        assert parent is None or parent in seen
        seen.add(code)
