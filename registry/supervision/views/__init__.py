"""The supervision blueprint's views, one module per concern."""

from registry.supervision.blueprint import bp

__all__ = ["bp"]
