"""The public side: report a problem, track it with the 查询码, rate the reply (no login)."""

from registry.complaints.blueprint import bp  # noqa: F401
