"""The city files in the exchange bucket: listed from `city-incoming/<kind>/` (outside the federation's
`incoming/`), each taken whole and moved out — to `processed/city/<kind>/` when applied (or already
applied), to `rejected/city/<kind>/` with `<name>.errors.json` beside it when refused (both prefixes expire
with the bucket's two-year rule). docs/city_intake_files.md."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from kokuho.intake.apply import KINDS, actor_for, intake_file
from kokuho.platform import exchange_subjects
from kokuho.platform.exchange import ERRORS_SUFFIX, list_delivered, move_out, read_delivered

INCOMING = "city-incoming/"
PROCESSED = "processed/city/"
REJECTED = "rejected/city/"


def kind_of(key: str) -> str:
    kind = key.removeprefix(INCOMING).split("/", 1)[0]
    if not key.startswith(INCOMING) or kind not in KINDS:
        raise ValueError(f"not a city intake key: {INCOMING}<{'|'.join(KINDS)}>/<name>")
    return kind


def list_incoming(s3: Any, bucket: str) -> list[str]:
    """Every waiting file, kind by kind in KINDS order (the register first: a 転入 before its income),
    by key within a kind."""
    keys: list[str] = []
    for kind in KINDS:
        keys += list_delivered(s3, bucket, f"{INCOMING}{kind}/")
    return keys


def intake_object(s3: Any, bucket: str, key: str, *, run_id: str, today: date,
                  out_of_time: Callable[[], bool] = lambda: False) -> dict[str, Any]:
    """Take one file; `partial` leaves it where it is for the next invocation (the state machine loops)."""
    kind = kind_of(key)
    data = read_delivered(s3, bucket, key)
    out = intake_file(kind, data, actor=actor_for(kind, run_id), source_key=key, today=today,
                      out_of_time=out_of_time)
    if out["status"] == "partial":
        exchange_subjects.keep_pending(s3, bucket, key)  # whose data its parts so far held (legal hold)
        return out
    if out["status"] == "superseded":
        return out  # another run took the file over: it moves it out when done
    if out["status"] == "rejected":
        reason = {"key": key, "rejected_at": datetime.now(UTC).isoformat(timespec="seconds"), **out}
        move_out(s3, bucket, key, INCOMING, REJECTED, reason, suffix=ERRORS_SUFFIX)
        out = {**out, "errors": out["errors"][:20]}  # the whole list is beside the file
    else:
        move_out(s3, bucket, key, INCOMING, PROCESSED)
    return out
