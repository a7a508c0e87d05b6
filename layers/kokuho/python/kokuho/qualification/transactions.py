"""Access records of the qualification API on their own (reads, refusals): through the information
file's store (kokuho.qualification.application.record), on the container's one pynamodb connection —
a botocore client costs ~0.25 s (it loads the service model), so a new one per request would dominate
latency."""

from __future__ import annotations

from kokuho.qualification.application import record as record

__all__ = ["record"]
