"""What the qualification use cases answer besides a refused change (kokuho.qualification.history.
ChangeRejected, 422): no such record (404), or the record changed since it was read (409)."""

from __future__ import annotations


class NotFound(LookupError):
    pass


class Conflict(RuntimeError):
    """Someone else changed the record since it was read (409)."""
