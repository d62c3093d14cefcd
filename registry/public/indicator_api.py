"""The open-data API of the target indicators (issue #19): a jurisdiction's indicators, and one with
its values year by year (value, source, locked, status) and month by month.

Values are public once recorded; a year the office has not locked is marked `locked: false` (初步数据,
may still be corrected). Nothing personal: who recorded a value, and when, is not given."""

from typing import Any

from flask import request
from flask_babel import gettext as _

from registry.core.http import whole_number
from registry.core.permissions import public
from registry.public.api import _bad, _id, _jurisdiction, _listing, _not_found, _paging, bp, json_response
from registry.public.cache import PageState, cached
from registry.public.queries import jurisdiction_ref
from registry.public.queries import targets as queries
from registry.public.queries.states import jurisdiction_state

# -- the state each answer shows (registry.public.cache.cached) -------------------------------------


def list_state(**_: Any) -> PageState | None:
    """The jurisdiction's indicators (None: the view answers the error, uncached)."""
    code = request.args.get("jurisdiction", "").strip()
    return queries.indicators_state(code) if code else None


def detail_state(indicator_id: str, **_: Any) -> PageState | None:
    number = whole_number(indicator_id, low=0)
    row = queries.indicator_row(number) if number is not None else None
    if row is None:
        return None
    state = jurisdiction_state(row.jurisdiction_code)
    return PageState((*state.parts, queries.fingerprint([row])), state.last_modified) if state else None


@bp.route("/indicators")
@public
@cached(list_state)
def indicators():
    code = request.args.get("jurisdiction", "").strip()
    if not code:
        raise _bad(_("参数 jurisdiction 是必填的（6 位行政区划代码）。"))
    page, per_page = _paging()
    j = _jurisdiction(code)
    rows = queries.jurisdiction_indicators(j.id)
    chunk = rows[(page - 1) * per_page : page * per_page]
    return json_response(_listing([queries.indicator_plain(r) for r in chunk], len(rows), page, per_page))


@bp.route("/indicators/<indicator_id>")
@public
@cached(detail_state)
def indicator(indicator_id: str):
    iid = _id(indicator_id, _("指标编号必须是正整数。"))
    row = queries.indicator_row(iid)
    if row is None or jurisdiction_ref(row.jurisdiction_code) is None:
        raise _not_found(_("没有编号为 %(id)s 的指标。", id=iid))
    return json_response(queries.indicator_detail(row))
