"""Public statistics of complaints per jurisdiction, department and matter (aggregates only)."""

from registry.complaints.blueprint import bp  # noqa: F401
