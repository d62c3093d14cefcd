"""Bringing lists in from files: reading, planning, writing, and uploads kept for confirmation."""
