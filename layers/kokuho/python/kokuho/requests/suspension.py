"""利用停止 honoured by every use: each path that uses a person's data calls `check_use(use, person_ids)` once,
where it begins, with its use id from kokuho/data/requests/uses.v1.json — the one list of uses, each with
its data category and what a granted suspension does to it:

- `stop`: `check_use` reads the suspension marks (the port kokuho.requests.ports.SuspensionMarks) and
  raises UseSuspended naming the use and how many persons, never who; `partition_use` splits a list into
  the persons the use may go on with and those it leaves out (searches, batches);
- `continue`: the law requires the use (第100条ただし書); `check_use` returns the use with its basis and
  reads nothing — the data says why, the path does not decide it silently. A path over the whole file (a
  run) calls `declare_use`, which refuses to go on if the data ever says its use stops.

Handling the person's own requests and reviewing the access records are never suspended (they are how the
person's rights and the audit work)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from kokuho.requests.ports import SuspensionMarks

NEVER_SUSPENDED = ("requests", "access_records")
USES_VERSION = 1


class UseSuspended(PermissionError):
    """The use is suspended for a person (the message names the use and the category, not the person)."""

    def __init__(self, use: Use, count: int) -> None:
        super().__init__(f"{use.category}: {use.description} is suspended by a 利用停止 decision "
                         f"for {count} person(s)")
        self.use, self.count = use, count


class UsesFileError(ValueError):
    pass


@dataclass(frozen=True)
class Use:
    use_id: str
    category: str
    description: str
    when_suspended: Literal["stop", "continue"]
    basis: str | None = None


def parse_uses(raw: dict[str, object]) -> dict[str, Use]:
    from kokuho.requests.model import SUSPENDABLE

    uses = raw.get("uses")
    if not isinstance(uses, dict) or not uses:
        raise UsesFileError("uses: an object of use id → use")
    out: dict[str, Use] = {}
    for use_id, u in uses.items():
        if not isinstance(u, dict) or u.get("category") not in SUSPENDABLE:
            raise UsesFileError(f"uses.{use_id}.category: one of {list(SUSPENDABLE)}")
        when = u.get("when_suspended")
        if when not in ("stop", "continue"):
            raise UsesFileError(f"uses.{use_id}.when_suspended: stop or continue")
        basis = u.get("basis")
        if when == "continue" and not (isinstance(basis, str) and basis.strip()):
            raise UsesFileError(f"uses.{use_id}.basis: a use that continues under a suspension names its law")
        if when == "stop" and basis is not None:
            raise UsesFileError(f"uses.{use_id}.basis: only a use that continues names a basis")
        if set(u) - {"category", "description", "when_suspended", "basis"}:
            raise UsesFileError(f"uses.{use_id}: unknown field")
        out[use_id] = Use(use_id, str(u["category"]), str(u.get("description") or use_id), when, basis)
    return out


@cache
def load_uses(version: int = USES_VERSION) -> dict[str, Use]:
    text = (resources.files("kokuho.data") / "requests" / f"uses.v{version}.json").read_text("utf-8")
    return parse_uses(json.loads(text))


def use_of(use_id: str) -> Use:
    try:
        return load_uses()[use_id]
    except KeyError:
        raise KeyError(f"{use_id}: not a use of kokuho/data/requests/uses.v1.json") from None


def continuing(categories: Iterable[str]) -> list[dict[str, str]]:
    """The uses that go on under a suspension of these categories, with their basis (told to the person)."""
    wanted = set(categories)
    return [{"use": u.use_id, "description": u.description, "basis": str(u.basis)}
            for u in load_uses().values() if u.category in wanted and u.when_suspended == "continue"]


def suspended_for(person_ids: Iterable[str], category: str, marks: SuspensionMarks | None = None) -> list[str]:
    """The persons among `person_ids` whose `category` is suspended (one key query a person for a few, the
    index of all marks for more); the container's marks unless `marks` is passed."""
    if category in NEVER_SUSPENDED:
        return []
    if marks is None:
        from kokuho.requests import wiring

        marks = wiring.store()
    wanted = set(person_ids)
    found = marks.suspensions_of(wanted) if len(wanted) <= 3 else marks.suspensions()
    return sorted(p for p in wanted if category in found.get(p, ()))


def partition_use(use_id: str, person_ids: Iterable[str],
                  marks: SuspensionMarks | None = None) -> tuple[list[str], list[str]]:
    """(persons the use goes on with, persons it leaves out), in the given order."""
    use, ids = use_of(use_id), list(person_ids)
    if use.when_suspended == "continue" or not ids:
        return ids, []
    out = set(suspended_for(ids, use.category, marks))
    return [p for p in ids if p not in out], [p for p in ids if p in out]


def declare_use(use_id: str) -> Use:
    """A path that goes on whatever the suspension (a run over the whole file, a single change whose law
    requires it) declares its use where it begins: the data names the law. If the data ever says the use
    stops, the path fails here rather than go on unchecked — it then needs its per-person check_use."""
    use = use_of(use_id)
    if use.when_suspended != "continue":
        raise RuntimeError(f"{use_id}: the use stops under a 利用停止, but this path has no per-person check")
    return use


def check_use(use_id: str, person_ids: Iterable[str], marks: SuspensionMarks | None = None) -> Use:
    """The one check of a path's use: raises UseSuspended when the use stops for any of the persons;
    returns the use (with its basis when it continues under a suspension)."""
    _, left_out = partition_use(use_id, person_ids, marks)
    if left_out:
        raise UseSuspended(use_of(use_id), len(left_out))
    return use_of(use_id)
