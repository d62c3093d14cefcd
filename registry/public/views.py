"""Public pages: the published lists, departments, matters, version history and comparison, search.

No login; only published versions are read (registry.public.queries)."""

from collections.abc import Hashable

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from registry.core.http import content_disposition, page_arg, whole_number
from registry.core.limits import search_limit
from registry.core.permissions import public
from registry.public import html, queries, search
from registry.public.cache import cached, fragment
from registry.public.queries import targets as target_queries

bp = Blueprint("public", __name__)

SEARCH_PER_PAGE = 20


@bp.app_template_global()
def matter_href(matter_id: int) -> str:
    """url_for("public.matter", ...) by string formatting: a page links hundreds of matters."""
    return f"{request.script_root}/matters/{int(matter_id)}"


bp.add_app_template_global(html.matter_item, "matter_item")
bp.add_app_template_global(html.matter_items, "matter_items")
bp.add_app_template_global(html.matter_rows, "matter_rows")


@bp.app_template_global()
def matter_labels() -> dict[str, str]:
    """The labels of a matter in a list, translated once per page instead of once per matter."""
    return {"lead": _("牵头部门"), "cooperating": _("配合部门"), "pending": _("待明确"), "colon": _("：")}


@bp.app_template_global()
def department_href(department_id: int) -> str:
    """url_for("public.department", ...) by string formatting."""
    return f"{request.script_root}/departments/{int(department_id)}"


@bp.app_template_global()
def published_fragment(kind: str, ident: Hashable, macro, *args, **kwargs) -> str:
    """`macro(*args, **kwargs)`, which shows published item `ident` only, rendered once (cache.fragment)."""
    return fragment(kind, ident, lambda: macro(*args, **kwargs))


@bp.app_template_global()
def place_options_html(macro, options, code: str) -> Markup:
    """The search form's place options, rendered once (cache.fragment) and the chosen one marked."""
    html = fragment("search-places", None, lambda: macro(options))
    if code and code.isdigit():  # codes are digits: the attribute text is exactly value="<code>"
        html = html.replace(f'value="{code}"', f'value="{code}" selected', 1)
    return Markup(html)


@bp.app_template_global()
def ancestors_of(jurisdiction) -> list[queries.JurisdictionRef]:
    """The breadcrumbs' parents, from the cached jurisdictions instead of lazy-loading each level."""
    return queries.ancestor_refs(jurisdiction.id)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if (number := whole_number(value)) is None:
        abort(404)
    return number


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def _load(code: str) -> tuple[queries.JurisdictionRef, list[queries.VersionRef]]:
    jurisdiction = queries.jurisdiction_ref(code)
    if jurisdiction is None:
        abort(404)
    return jurisdiction, queries.version_refs(jurisdiction.id)


@bp.route("/jurisdictions")
@public
@cached(queries.everything_state)
def jurisdictions():
    return render_template("public/jurisdictions.html", tree=[(j, j["depth"]) for j in queries.jurisdiction_tree()])


@bp.route("/jurisdictions/<code>")
@public
@cached(target_queries.jurisdiction_page_state)
def jurisdiction(code: str):
    return _version_page(code, None)


@bp.route("/jurisdictions/<code>/versions/<label>")
@public
@cached(queries.jurisdiction_state)
def version(code: str, label: str):
    return _version_page(code, label)


def _version_page(code: str, label: str | None):
    jref, refs = _load(code)
    current = queries.in_force(refs)
    shown = queries.by_label(refs, label) if label is not None else current
    if label is not None and shown is None:
        abort(404)
    # The jurisdiction's own page (not a past version's) shows its target indicators.
    dashboard = target_queries.dashboard(target_queries.jurisdiction_indicators(jref.id)) if label is None else None
    category = request.args.get("category", "").strip() or None
    department_id = _int_arg("department")
    page = page_arg()
    per_page = current_app.config["PER_PAGE"]
    if shown is None:
        return render_template(
            "public/jurisdiction.html",
            jurisdiction=jref.load(),
            refs=refs,
            shown=None,
            current=current,
            dashboard=dashboard,
        )
    # The template reads the code, name and level only when a version is shown: the ref will do.
    j = queries.jurisdiction_plain(jref)
    overview = queries.version_overview(shown)
    matters = queries.version_matter_cards(
        shown, j, category=category, department_id=department_id, page=page, per_page=per_page
    )
    if page > 1 and not matters["items"]:
        abort(404)
    return render_template(
        "public/jurisdiction.html",
        jurisdiction=jref,
        refs=refs,
        shown=shown,
        current=current,
        overview=overview,
        matters=matters,
        category=category,
        department_id=department_id,
        page=page,
        pages=_pages(matters["total"], per_page),
        dashboard=dashboard,
    )


@bp.route("/jurisdictions/<code>/versions/<label>/table")
@public
@cached(queries.jurisdiction_state)
def version_table(code: str, label: str):
    """A version as one numbered table (序号, 类别, 具体事项, 牵头部门, 配合部门, 属地落实, 完成时限, 依据), for
    reading and printing; the columns a version does not fill are left out."""
    jref, refs = _load(code)
    shown = queries.by_label(refs, label)
    if shown is None:
        abort(404)
    category = request.args.get("category", "").strip() or None
    jurisdiction = jref.load()
    matters = queries.version_matters(
        shown, queries.jurisdiction_plain(jurisdiction), category=category, per_page=max(shown.matter_count, 1)
    )
    items = matters["items"]
    return render_template(
        "public/table.html",
        jurisdiction=jurisdiction,
        shown=shown,
        current=queries.in_force(refs),
        overview=queries.version_overview(shown),
        matters=items,
        category=category,
        # Columns that only some lists have (#14): shown when a matter of this version fills them.
        has_co_leads=any(m["co_leads"] for m in items),
        has_territorial=any(m["territorial"] for m in items),
        has_deadline=any(m["deadline"] for m in items),
    )


@bp.route("/jurisdictions/<code>/versions")
@public
@cached(queries.jurisdiction_state)
def versions(code: str):
    jref, refs = _load(code)
    current = queries.in_force(refs)
    return render_template("public/versions.html", jurisdiction=jref.load(), refs=refs, current=current)


@bp.route("/jurisdictions/<code>/compare")
@public
@cached(queries.jurisdiction_state)
def compare(code: str):
    jref, refs = _load(code)
    if not refs:
        abort(404)
    default_new = refs[0]
    default_old = refs[1] if len(refs) > 1 else refs[0]
    old = queries.by_label(refs, request.args.get("from", default_old.label))
    new = queries.by_label(refs, request.args.get("to", default_new.label))
    if old is None or new is None:
        abort(404)
    diff = queries.version_diff(old, new) if old.id != new.id else None
    return render_template("public/compare.html", jurisdiction=jref.load(), refs=refs, old=old, new=new, diff=diff)


@bp.route("/jurisdictions/<code>/versions/<label>/download.<fmt>")
@public
@cached(queries.version_file_state, max_age=86400)
def download(code: str, label: str, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    jref, refs = _load(code)
    ref = queries.by_label(refs, label)
    if ref is None:
        abort(404)
    # From configuration, not the Host header: the file is cached and served to everyone.
    source = current_app.config["SITE_URL"] + url_for("public.version", code=jref.code, label=ref.label)
    content, filename, mimetype = queries.version_file(ref, fmt, source)
    response = current_app.response_class(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition("attachment", filename)
    return response


@bp.route("/departments/<int:department_id>")
@public
@cached(target_queries.department_page_state)
def department(department_id: int):
    from registry.public.queries.departments import successions as department_successions
    from registry.reports.queries import published_reports

    jref = queries.department_jurisdiction(department_id)
    if jref is None:
        abort(404)
    refs = queries.version_refs(jref.id)
    current = queries.in_force(refs)
    jurisdiction = jref  # the template reads its code and name: no ORM object
    j = queries.jurisdiction_plain(jurisdiction)
    info = queries.department_as_published(refs, current, department_id, j, cards=True)
    if info is None:
        abort(404)
    return render_template(
        "public/department.html",
        jurisdiction=jurisdiction,
        department=info,
        current=current,
        reports=published_reports(department_id),
        successions=department_successions(department_id),
        indicators=target_queries.dashboard(target_queries.department_indicators(department_id)),
    )


@bp.route("/matters/<int:matter_id>")
@public
@cached(queries.matter_state)
def matter(matter_id: int):
    jurisdiction_id = queries.jurisdiction_of_matter(matter_id)
    if jurisdiction_id is None:
        abort(404)
    jref = queries.jurisdiction_ref_by_id(jurisdiction_id)
    refs = queries.version_refs(jurisdiction_id)
    current = queries.in_force(refs)
    jurisdiction = jref  # the template reads its code and name: no ORM object
    j = queries.jurisdiction_plain(jurisdiction)
    history = queries.matter_history(refs, matter_id, j)
    in_force = next((h for h in history if current and h["version"]["label"] == current.label), None)
    # Dropped from the version in force: show it as it was last published (as the API does).
    shown = in_force if in_force and in_force["matter"] else next((h for h in reversed(history) if h["matter"]), None)
    if shown is None:  # published this instant, not yet among this worker's versions
        abort(404)
    return render_template(
        "public/matter.html",
        jurisdiction=jurisdiction,
        matter=shown["matter"],
        shown_version=shown["version"],
        in_force=in_force is not None and in_force["matter"] is not None,
        history=list(reversed(history)),
        current=current,
        reported=queries.matter_report_sections(matter_id),
    )


@bp.route("/matters/<int:matter_id>/reports/<int:year>")
@public
@cached(queries.matter_state)
def matter_report(matter_id: int, year: int):
    """What the lead department reported on a matter in one year's published annual report (§10–§11);
    the matter page shows the latest year and links here for the earlier ones."""
    reported = queries.matter_report_sections(matter_id)
    shown = next((r for r in reported if r["year"] == year), None)
    if shown is None:
        abort(404)
    jurisdiction_id = queries.jurisdiction_of_matter(matter_id)
    jurisdiction = queries.jurisdiction_ref_by_id(jurisdiction_id)
    return render_template(
        "public/matter_report.html", jurisdiction=jurisdiction, matter_id=matter_id, shown=shown, reported=reported
    )


@bp.route("/search", endpoint="search")
@public
@search_limit  # per client address: people search a few times a minute, scrapers many times a second
@cached(queries.search_state)  # a query asked before is answered from the kept page until a publication
def search_page():
    q = request.args.get("q", "").strip()
    code = request.args.get("jurisdiction", "").strip()
    page = page_arg()
    options = queries.published_jurisdiction_options()
    jurisdiction = None
    if code:
        jurisdiction = queries.jurisdiction_ref(code)
        if jurisdiction is None:
            abort(404)
    error, hits, results, nearest = None, None, [], []
    if q:
        try:
            hits = search.search_ids(
                q,
                jurisdiction.id if jurisdiction else None,
                offset=(page - 1) * SEARCH_PER_PAGE,
                limit=SEARCH_PER_PAGE,
            )
        except search.QueryTooShort:
            error = _("请输入至少两个字的关键词。")
        else:
            results = queries.search_results(hits.version_matter_ids)
            if not hits.total:  # nothing holds the words: offer the matters that share most of them
                nearest = queries.search_results(search.nearest_ids(q, jurisdiction.id if jurisdiction else None))
    pages = _pages(hits.reachable, SEARCH_PER_PAGE) if hits else 1
    if page > pages:
        abort(404)  # past the last page (or the capped thousand), as the list pages do
    return render_template(
        "public/search.html",
        q=q,
        code=code,
        jurisdiction=jurisdiction,
        options=options,
        error=error,
        hits=hits,
        results=results,
        nearest=nearest,
        page=page,
        pages=pages,
        title_count=hits.title_total if hits else 0,
        offset=(page - 1) * SEARCH_PER_PAGE,
    )
