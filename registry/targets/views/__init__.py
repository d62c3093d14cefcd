"""The targets pages behind the sign-in (issue #19): the office defines its jurisdiction's indicators
(by hand or from a spreadsheet) and locks a year once published; the lead department records the
values; offices above read.

definitions.py (the list, define, edit, delete) · values.py (one indicator, recording a value, its
chart) · imports.py (from a spreadsheet) · lock.py (locking a year) · workbench.py (the 工作台's
figures). One blueprint, `targets`, for all of them."""

from flask import Blueprint

from registry.core.forms import save_or_show
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import queries as list_queries
from registry.targets.models import DIRECTION_LABELS, IndicatorValue, TargetIndicator
from registry.targets.rules import STATUS_LABELS, STATUS_TAGS, number

bp = Blueprint("targets", __name__, url_prefix="/manage")


def _jurisdiction(code: str, **_ignored) -> Jurisdiction | None:
    return list_queries.jurisdiction_by_code(code)


def _indicator(indicator_id: int) -> TargetIndicator | None:
    return db.session.get(TargetIndicator, indicator_id)


def _value(value_id: int) -> IndicatorValue | None:
    return db.session.get(IndicatorValue, value_id)


def last_year() -> int:
    """The year whose values are due now: last year, in Beijing time."""
    return local_today().year - 1


@bp.context_processor
def _helpers():
    return {
        "status_labels": STATUS_LABELS,
        "status_tags": STATUS_TAGS,
        "number": number,
        "direction_labels": DIRECTION_LABELS,
    }


_commit = save_or_show  # registry/core/forms.py


@bp.app_template_global("indicator_tag")
def indicator_tag(status: str) -> str:
    """The CSS class of a status's tag (for partials shown on other blueprints' pages)."""
    return STATUS_TAGS.get(status, "muted")


# The routes, registered on bp when imported (after bp and the helpers above exist).
from registry.targets.views import definitions, imports, lock, values, workbench  # noqa: E402, F401
