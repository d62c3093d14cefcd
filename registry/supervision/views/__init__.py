"""The supervision blueprint's views, one module per concern: ledgers and tasks (and their import),
decomposition to units, progress, 督办, 销号 and the public notices, the monthly bulletin."""

from registry.supervision.blueprint import bp
from registry.supervision.views import (  # noqa: F401  (each module adds its routes to bp)
    bulletins,
    closure,
    decomposition,
    imports,
    ledgers,
    progress,
    public,
    public_ledgers,
    supervise,
)

__all__ = ["bp"]
