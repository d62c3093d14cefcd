"""The offices' workbench: editing a jurisdiction's working list (departments, units, duties, matters,
policy documents), settling matters with no lead (§5), list health and the audit trail.

One blueprint, `lists` (blueprint.py); importing the modules below adds their routes to it."""

from registry.lists.views import audit, common, decisions, departments, documents, matters, workbench  # noqa: F401
from registry.lists.views.blueprint import bp

__all__ = ["bp"]
