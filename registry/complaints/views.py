"""Departments and offices: the 举报 inbox, a complaint's page with its timeline, the steps."""

import registry.complaints.public_views  # noqa: F401  (routes on the same blueprint)
import registry.complaints.stats_views  # noqa: F401
from registry.complaints.blueprint import bp

__all__ = ["bp"]
