"""利用停止: whether a use of a person's data is suspended by a carried-out suspension request.

`check_use(person_ids, category)` raises UseSuspended when any of the persons has that category suspended.
Handling the person's own requests and reviewing the access records are never suspended (they are how the
person's rights and the audit work)."""

from __future__ import annotations

from collections.abc import Iterable

NEVER_SUSPENDED = ("requests", "access_records")


class UseSuspended(PermissionError):
    """The use is suspended for a person (the message names the category, not the person)."""


def suspended_for(person_ids: Iterable[str], category: str) -> list[str]:
    if category in NEVER_SUSPENDED:
        return []
    from kokuho.requests.store import suspensions

    marks = suspensions()
    return sorted(p for p in set(person_ids) if category in marks.get(p, ()))


def check_use(person_ids: Iterable[str], category: str) -> None:
    found = suspended_for(person_ids, category)
    if found:
        raise UseSuspended(f"{category}: use suspended by a 利用停止 decision for {len(found)} person(s)")
