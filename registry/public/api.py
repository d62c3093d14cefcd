"""The open-data API under /api/v1/: read-only JSON about published versions only.

Errors are `{"error": {"status", "message"}}` with a Chinese message (English when the interface
language is English); bad parameters give 400 and unknown codes 404, never 500."""

import json
from typing import Any

from flask import Blueprint, current_app, request
from flask_babel import gettext as _

from registry.complaints import stats
from registry.core.http import MAX_DB_INT, whole_number
from registry.core.limits import api_limit
from registry.core.permissions import public
from registry.extensions import csrf, db
from registry.jurisdictions.models import Jurisdiction
from registry.public import queries, search
from registry.public.cache import cached
from registry.public.openapi import COMPLAINT_STATS_MAX_AGE, MAX_PER_PAGE, document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
api_limit(bp)  # every endpoint, counted together per client address (stated in the OpenAPI text)

DEFAULT_PER_PAGE = 50
ROLES = ("lead", "co_lead", "cooperating")


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def json_response(payload: Any, status: int = 200):
    """JSON with Chinese left readable (not \\u-escaped)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return current_app.response_class(body, status=status, mimetype="application/json")


@bp.errorhandler(ApiError)
def api_error(e: ApiError):
    return json_response({"error": {"status": e.status, "message": e.message}}, e.status)


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def _not_found(message: str) -> ApiError:
    return ApiError(404, message)


def _positive_int(value: str, name: str, high: int = MAX_DB_INT) -> int:
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or not value.strip("0"):
        raise _bad(_("参数 %(name)s 必须是正整数。", name=name))
    number = whole_number(value, high=high)
    if number is None:  # digits, but too many
        raise _bad(_("参数 %(name)s 不能大于 %(max)d。", name=name, max=high))
    return number


def _id(value: str, bad: str) -> int:
    """An id from the path: 400 when it is no number, 404 (no such record) when no id can be it."""
    value = value.strip()
    if not value.isascii() or not value.isdigit():
        raise _bad(bad)
    number = whole_number(value, low=0)
    if number is None:
        raise _not_found(_("没有编号为 %(id)s 的已发布记录。", id=value[:20]))
    return number


def _paging() -> tuple[int, int]:
    page = _positive_int(request.args.get("page", "1"), "page")
    per_page = _positive_int(request.args.get("per_page", str(DEFAULT_PER_PAGE)), "per_page", MAX_PER_PAGE)
    return page, per_page


def _listing(items: list, total: int, page: int, per_page: int) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def _jurisdiction(code: str) -> queries.JurisdictionRef:
    jurisdiction = queries.jurisdiction_ref(code)
    if jurisdiction is None:
        raise _not_found(_("行政区划代码 %(code)s 不存在。", code=code))
    return jurisdiction


@bp.route("/openapi.json")
@public
def openapi():
    return json_response(document())


@bp.route("/jurisdictions")
@public
@cached(queries.everything_state)
def jurisdictions():
    page, per_page = _paging()
    tree = queries.jurisdiction_tree()
    by_id = {j["id"]: j for j in tree}
    parents = dict(db.session.execute(db.select(Jurisdiction.id, Jurisdiction.parent_id)).all())
    chunk = tree[(page - 1) * per_page : page * per_page]
    items = [
        {
            "code": j["code"],
            "name": j["name"],
            "level": j["level"],
            "parent": by_id[parents[j["id"]]]["code"] if parents.get(j["id"]) else None,
            "published": j["published"],
        }
        for j in chunk
    ]
    return json_response(_listing(items, len(tree), page, per_page))


@bp.route("/jurisdictions/<code>")
@public
@cached(queries.jurisdiction_state)
def jurisdiction(code: str):
    jref = _jurisdiction(code)
    current = queries.in_force(queries.version_refs(jref.id))
    overview = queries.version_overview(current) if current else None
    j = jref.load()
    return json_response(
        {
            "code": j.code,
            "name": j.name,
            "level": j.level,
            "parent": j.parent.code if j.parent else None,
            "children": [{"code": c.code, "name": c.name} for c in j.children],
            "current_version": queries.version_plain(current) if current else None,
            "departments": [
                {"id": d["id"], "name": d["name"], "short_name": d["short_name"], "sector": d["sector"]}
                for d in (overview["departments"] if overview else [])
            ],
            "categories": [c["name"] for c in (overview["categories"] if overview else [])],
        }
    )


@bp.route("/jurisdictions/<code>/versions")
@public
@cached(queries.jurisdiction_state)
def versions(code: str):
    j = _jurisdiction(code)
    page, per_page = _paging()
    refs = queries.version_refs(j.id)
    current = queries.in_force(refs)
    items = [
        {**queries.version_plain(r), "in_force": r == current} for r in refs[(page - 1) * per_page : page * per_page]
    ]
    return json_response(_listing(items, len(refs), page, per_page))


@bp.route("/jurisdictions/<code>/versions/<label>/diff/<other_label>")
@public
@cached(queries.jurisdiction_state)
def diff(code: str, label: str, other_label: str):
    j = _jurisdiction(code)
    refs = queries.version_refs(j.id)
    old, new = queries.by_label(refs, label), queries.by_label(refs, other_label)
    for ref, name in ((old, label), (new, other_label)):
        if ref is None:
            raise _not_found(_("%(place)s没有名为「%(label)s」的已发布版本。", place=j.name, label=name))
    return json_response(queries.version_diff(old, new))


@bp.route("/departments/<department_id>")
@public
@cached(queries.department_state)
def department(department_id: str):
    did = _id(department_id, _("部门编号必须是正整数。"))
    j = queries.department_jurisdiction(did)
    if j is None:
        raise _not_found(_("没有编号为 %(id)s 的已发布部门。", id=did))
    refs = queries.version_refs(j.id)
    info = queries.department_as_published(refs, queries.in_force(refs), did, queries.jurisdiction_plain(j))
    if info is None:
        raise _not_found(_("没有编号为 %(id)s 的已发布部门。", id=did))
    return json_response(
        {
            "id": info["id"],
            "name": info["name"],
            "short_name": info["short_name"],
            "sector": info["sector"],
            "website": info["website"],
            "jurisdiction": info["jurisdiction"],
            "version": info["version"],
            "duties": info["duties"],
            "lead_matters": [{"id": m["id"], "title": m["title"]} for m in info["leads"]],
            "co_lead_matters": [{"id": m["id"], "title": m["title"], "lead": m["lead"]} for m in info["co_leads"]],
            "cooperating_matters": [
                {"id": m["id"], "title": m["title"], "lead": m["lead"]} for m in info["cooperates"]
            ],
        }
    )


@bp.route("/matters")
@public
@cached(queries.everything_state)
def matters():
    page, per_page = _paging()
    args = request.args
    code = args.get("jurisdiction", "").strip()
    q = args.get("q", "").strip()
    category = args.get("category", "").strip() or None
    label = args.get("version", "").strip()
    role = args.get("role", "").strip() or None
    department_id = None
    if args.get("department", "").strip():
        department_id = _positive_int(args["department"], "department")
    if role is not None and role not in ROLES:
        raise _bad(_("参数 role 只能是 lead、co_lead 或 cooperating。"))
    if role is not None and department_id is None:
        raise _bad(_("参数 role 须与 department 一起使用。"))
    if label and not code:
        raise _bad(_("按版本查询时须同时给出 jurisdiction。"))
    j = _jurisdiction(code) if code else None
    refs = queries.version_refs(j.id) if j else []
    current = queries.in_force(refs) if j else None
    ref = None
    if label:
        ref = queries.by_label(refs, label)
        if ref is None:
            raise _not_found(_("%(place)s没有名为「%(label)s」的已发布版本。", place=j.name, label=label))
        if ref == current:
            ref = None  # the version in force: served from the index like the default
        elif q:
            raise _bad(_("关键词搜索只查现行版本，请去掉 version 参数或 q 参数。"))
    if q:
        try:
            search.query_terms(q)
        except search.QueryTooShort:
            raise _bad(_("请输入至少两个字的关键词。")) from None
    items, total = queries.api_matters(
        j, ref, q=q, category=category, department_id=department_id, role=role, page=page, per_page=per_page
    )
    return json_response(_listing(items, total, page, per_page))


@bp.route("/matters/<matter_id>")
@public
@cached(queries.matter_state)
def matter(matter_id: str):
    mid = _id(matter_id, _("事项编号必须是正整数。"))
    jurisdiction_id = queries.jurisdiction_of_matter(mid)
    if jurisdiction_id is None:
        raise _not_found(_("没有编号为 %(id)s 的已发布事项。", id=mid))
    j = queries.jurisdiction_ref_by_id(jurisdiction_id)
    refs = queries.version_refs(j.id)
    current = queries.in_force(refs)
    history = queries.matter_history(refs, mid, queries.jurisdiction_plain(j))
    in_force = next((h["matter"] for h in history if current and h["version"]["label"] == current.label), None)
    shown = in_force or next((h["matter"] for h in reversed(history) if h["matter"] is not None), None)
    if shown is None:  # published this instant, not yet among this worker's versions
        raise _not_found(_("没有编号为 %(id)s 的已发布事项。", id=mid))
    return json_response(queries.api_matter(shown))


# -- complaints: aggregates only (registry/complaints/stats.py) -----------------------------------


@bp.route("/complaints/stats")
@public
@cached(stats.page_state, max_age=COMPLAINT_STATS_MAX_AGE)
def complaint_stats():
    code = request.args.get("jurisdiction", "").strip()
    if not code:
        raise _bad(_("参数 jurisdiction 是必填的（6 位行政区划代码）。"))
    raw_year = request.args.get("year", "").strip()
    year = None
    if raw_year:
        year = whole_number(raw_year, low=stats.FIRST_YEAR, high=stats.LAST_YEAR)
        if year is None:
            raise _bad(
                _("参数 year 必须是 %(low)d 至 %(high)d 之间的年份。", low=stats.FIRST_YEAR, high=stats.LAST_YEAR)
            )
    j = _jurisdiction(code)
    result = stats.figures(jurisdiction_ids=[j.id], year=year)
    return json_response(
        {
            "jurisdiction": {"code": j.code, "name": j.name},
            "year": year,
            "as_of": result.as_of.isoformat(),
            "totals": result.totals.plain(),
            "departments": [{"id": g.key, "name": g.name, **g.counts.plain()} for g in result.by_department],
            "matters": [{"id": g.key, "title": g.name, **g.counts.plain()} for g in result.by_matter],
            "received_by_period": [
                {"period": f"{year}-{p:02d}" if year else str(p), "received": n} for p, n in result.by_period
            ],
        }
    )
