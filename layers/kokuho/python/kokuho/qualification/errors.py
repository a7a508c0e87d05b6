"""What the qualification use cases answer besides a refused change (kokuho.qualification.history.
ChangeRejected, 422): no such record (404), or the record changed since it was read (409)."""

from __future__ import annotations

from collections.abc import Sequence


class NotFound(LookupError):
    pass


class Conflict(RuntimeError):
    """Someone else changed the record since it was read (409). `read`: the persons whose data the refusal read (the
    refused attempt's access record names them too)."""

    def __init__(self, message: str = "", *, read: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.read = tuple(read)
