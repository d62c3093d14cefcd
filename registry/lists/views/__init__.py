"""The offices' workbench: editing a jurisdiction's working list (departments, units, duties, matters,
policy documents), settling matters with no lead (§5), list health and the audit trail.

One blueprint, `lists`; each module below adds its routes to it when imported."""

from flask import Blueprint

bp = Blueprint("lists", __name__, url_prefix="/manage")

# Imported for the routes they add to `bp`, hence after it.
from registry.lists.views import (  # noqa: E402, F401
    audit,
    common,
    decisions,
    departments,
    documents,
    matters,
    workbench,
)
