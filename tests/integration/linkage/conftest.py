"""Fixtures of the linkage integration tests (defined in linkage_world.py)."""

from linkage_world import world  # noqa: F401
