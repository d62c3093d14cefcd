"""The offices' workbench: editing a jurisdiction's working list (departments, units, duties, matters,
policy documents), settling matters with no lead (§5), list health and the audit trail.

One blueprint, `lists` (blueprint.py); importing the modules below adds their routes to it."""

# #14: duty_check (department lists), reorganisation (机构改革), upper (the upper list moves).
from registry.lists.views import (  # noqa: F401
    audit,
    common,
    decisions,
    defaults,
    departments,
    documents,
    duty_check,
    matters,
    reorganisation,
    upper,
    workbench,
)
from registry.lists.views.blueprint import bp

__all__ = ["bp"]
