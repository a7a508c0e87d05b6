"""The API's answer models made from the dataclass they answer (one list of fields, not a copy): pydantic field
definitions for `create_model`, typed as the answer's JSON holds them — dates and Decimals as text, tuples as lists."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal
from typing import Any, get_args, get_origin, get_type_hints


def as_json(tp: Any) -> Any:
    """A dataclass field's type as its JSON answer holds it."""
    if get_origin(tp) is tuple:
        return list[get_args(tp)[0]]  # type: ignore[misc]
    if type(None) in get_args(tp):
        inner = next(a for a in get_args(tp) if a is not type(None))
        return as_json(inner) | None
    return {date: str, Decimal: str}.get(tp, tp)


def fields_of(source: type, *names: str, optional: bool = False) -> dict[str, Any]:
    """`create_model` definitions of the fields of the dataclass `source` named (every field when none is), in that
    order: required, but for those whose default is None (an answer leaves them out when None) and, when
    `optional`, every one."""
    types, declared = get_type_hints(source), {f.name: f for f in fields(source)}
    out: dict[str, Any] = {}
    for name in names or tuple(declared):
        tp = as_json(types[name])
        if optional or declared[name].default is None:
            out[name] = (tp if type(None) in get_args(tp) else tp | None, None)
        else:
            out[name] = (tp, ...)
    return out


__all__ = ["as_json", "fields_of"]
