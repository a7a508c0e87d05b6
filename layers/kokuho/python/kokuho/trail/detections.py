"""Detections as data: one JSON file each under kokuho/data/detections/ (id, title, severity, MITRE ATT&CK
technique, runbook, thresholds, the match, and inline test records with the expected findings — the shape of
the public detection repositories). This module loads them and compiles each match into a predicate.

A match is a tree of conditions:
  {"all": [...]}, {"any": [...]}, {"not": {...}}
  {"field": "a.b.c", "in": [...]} | "not_in" | "prefix" | "suffix" (a string or a list) | "regex" (searched,
  with "ignore_case")  — a `*` segment of the path goes through every element of a list; a field that is
  absent has the value null; a condition holds when any of the field's values passes it.
  {"field": "userIdentity.sessionContext.sessionIssuer.userName", "own_role_of": {"table": T, "access": "write"}}:
  the call was made through the own role of one of the functions the catalog (kokuho.platform.catalog) gives table T
  (with that access) whose own role holds it — an api function's, fixed-named as the function
  (kokuho.platform.catalog.own_role_name). Never a session's name: whoever assumes a role names its session.
  {"field": "userIdentity.sessionContext.sessionIssuer.userName", "data_role_of": {"table": T, ...}}: the call
  was made through the data-access role of one of those functions (kokuho.access.data_role), as whoever
  its source identity names.
  Both hold only for a role of the account whose trail recorded the event (sessionIssuer.accountId is
  recipientAccountId): a role of the same name in another account, reading through a resource policy, is not the
  function's.
  `${table:LOGICAL}` in any string becomes the table's physical name (kokuho.platform.tables).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kokuho.platform.catalog.model import data_role_name

Record = dict[str, Any]
Predicate = Callable[[Record], bool]


class DetectionError(ValueError):
    """A detection file that does not hold a valid detection (names the file and the field)."""


class Technique(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tactic: str
    technique: str = Field(pattern=r"^T\d{4}(\.\d{3})?$")
    name: str


class Expected(BaseModel):
    """One finding a test case expects; fields left out are not compared."""
    model_config = ConfigDict(extra="forbid")
    principal: str | None = None
    count: int | None = None
    first: str | None = None
    last: str | None = None
    event_ids: list[str] | None = None


class TestCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    thresholds: dict[str, int] = Field(default_factory=dict)
    records: list[Record] = Field(min_length=1)
    expect: list[Expected]


class Detection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str
    severity: Literal["info", "low", "medium", "high", "critical"]
    mitre_attack: list[Technique] = Field(min_length=1)
    description: str
    runbook: str
    references: list[str] = Field(default_factory=list)
    # event: one finding per matching event; principal: one per principal, count = events;
    # window: more than thresholds.count events of one principal within [t, t + window_seconds).
    aggregate: Literal["event", "principal", "window"]
    thresholds: dict[str, int] = Field(default_factory=dict)
    match: dict[str, Any]
    tests: list[TestCase] = Field(min_length=2)


def _values(record: Record, path: tuple[str, ...]) -> list[Any]:
    current: list[Any] = [record]
    for part in path:
        nxt: list[Any] = []
        for value in current:
            if part == "*":
                if isinstance(value, list):
                    nxt.extend(value)
            elif isinstance(value, dict) and part in value:
                nxt.append(value[part])
        current = nxt
        if not current:
            return [None]
    return current


def _value(record: Record, path: tuple[str, ...]) -> Any:
    value: Any = record
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _member(allowed: frozenset[Any]) -> Callable[[Any], bool]:
    def test(value: Any) -> bool:
        try:
            return value in allowed
        except TypeError:  # a list or an object: never equal to a listed scalar
            return False
    return test


def _value_test(op: str, arg: Any, node: dict[str, Any]) -> Callable[[Any], bool]:
    if op in ("in", "not_in"):
        return _member(frozenset(_as_list(arg)))
    if op in ("prefix", "suffix"):
        affixes = tuple(str(a) for a in _as_list(arg))
        if op == "prefix":
            return lambda v: isinstance(v, str) and v.startswith(affixes)
        return lambda v: isinstance(v, str) and v.endswith(affixes)
    if op == "own_role_of":
        # The own roles that hold the table (an api function's, fixed-named as the function): the session's issuer,
        # which a caller cannot choose, not the session's name, which it can ("kokuho-qualification-api-read" from
        # an administrator's AssumeRole). `access`: "write" for the writers only, else any access.
        return _member(frozenset(catalog_own_roles(str(arg.get("table")), arg.get("access"))))
    if op == "data_role_of":
        # The data-access roles (kokuho.access.data_role: fixed names, <function>-data) of the catalog's
        # functions that use the table: their sessions are members of staff or runs (the source identity),
        # so the role, not the session, says which function's access it is.
        names = frozenset(data_role_name(f"kokuho-{fn}") for fn in catalog_function_logicals(
            str(arg.get("table")), arg.get("access"), with_data_role=True))
        if not names:
            raise DetectionError(f"match: no function of the catalog reaches table {arg.get('table')!r} "
                                 "through a data-access role")
        return _member(names)
    if op == "regex":
        pattern = re.compile(str(arg), re.IGNORECASE if node.get("ignore_case") else 0)
        return lambda v: isinstance(v, str) and pattern.search(v) is not None
    raise DetectionError(f"match: unknown operator {op!r} on {node['field']}")


def catalog_own_roles(table: str, access: Any = None) -> list[str]:
    """The fixed names of the own roles that hold `table` (with `access` when given): the api functions'; a function
    whose own role holds it under a name CDK generates could not be recognised, and is refused."""
    from kokuho.platform.catalog import FUNCTIONS_BY_LOGICAL, own_role_holds, own_role_name

    names = []
    for logical in catalog_function_logicals(table, access):
        spec = FUNCTIONS_BY_LOGICAL[logical]
        if own_role_holds(spec, table):
            name = own_role_name(spec)
            if name is None:
                raise DetectionError(f"match: function {logical}'s own role holds table {table!r} under no fixed "
                                     "name: the trail cannot tell it from another role")
            names.append(name)
    if not names:
        raise DetectionError(f"match: no function of the catalog holds table {table!r} through its own role")
    return names


def catalog_function_names(table: str, access: Any = None) -> list[str]:
    """Deployed names of the catalog's functions that use `table` (with `access` when given)."""
    return [f"kokuho-{logical}" for logical in catalog_function_logicals(table, access)]


def catalog_function_logicals(table: str, access: Any = None, with_data_role: bool = False) -> list[str]:
    """The catalog's functions that use `table` (with `access` when given; with a data-access role —
    kokuho.platform.catalog.has_data_role — when asked)."""
    from kokuho.platform.catalog import FUNCTIONS, has_data_role

    # "purge" (the retention run on the access log) writes too: it is among the writers asked for
    granted = {access, "purge"} if access == "write" else {access}
    return [f.logical for f in FUNCTIONS if table in f.tables and (access is None or f.tables[table] in granted)
            and (has_data_role(f) or not with_data_role)]


def _table_names(value: Any) -> Any:
    """`${table:LOGICAL}` anywhere in a match becomes the table's physical name (kokuho.platform.tables),
    so a detection never holds a second copy of a name."""
    if isinstance(value, dict):
        return {k: _table_names(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_table_names(v) for v in value]
    if isinstance(value, str) and "${table:" in value:
        from kokuho.platform.tables import TABLES

        names = {t.logical: t.default_name for t in TABLES}

        def one(m: re.Match[str]) -> str:
            if m.group(1) not in names:
                raise DetectionError(f"match: unknown table {m.group(1)!r} in {value!r}")
            return names[m.group(1)]
        return re.sub(r"\$\{table:([a-z_]+)\}", one, value)
    return value


def compile_match(node: dict[str, Any]) -> Predicate:
    """A predicate over one record from a match tree (raises DetectionError naming the bad node).

    Scans run these on every record, so the common shapes get closures without generator overhead."""
    if not isinstance(node, dict) or not node:
        raise DetectionError(f"match: a condition must be an object, not {node!r}")
    node = _table_names(node)
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        parts = [compile_match(child) for child in _as_list(node[key])]
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            first, second = parts
            if key == "all":
                return lambda r: first(r) and second(r)
            return lambda r: first(r) or second(r)
        if key == "all":
            def conjunction(r: Record) -> bool:
                for part in parts:
                    if not part(r):
                        return False
                return True
            return conjunction

        def disjunction(r: Record) -> bool:
            for part in parts:
                if part(r):
                    return True
            return False
        return disjunction
    if "not" in node:
        inner = compile_match(node["not"])
        return lambda r: not inner(r)
    if "field" not in node:
        raise DetectionError(f"match: unknown condition {sorted(node)}")
    ops = set(node) - {"field", "ignore_case"}
    if len(ops) != 1:
        raise DetectionError(f"match: condition on {node['field']} needs exactly one operator, has {sorted(ops)}")
    op = ops.pop()
    test = _value_test(op, node[op], node)
    path = tuple(str(node["field"]).split("."))
    if "*" in path:
        held: Predicate = lambda r: any(test(v) for v in _values(r, path))  # noqa: E731
    elif len(path) == 2 and op in ("in", "not_in"):
        outer, member, allowed = path[0], path[1], frozenset(_as_list(node[op]))

        def held(r: Record) -> bool:
            v = r.get(outer)
            try:
                return (v.get(member) if isinstance(v, dict) else None) in allowed
            except TypeError:
                return False
    elif len(path) == 2:
        outer, member = path

        def held(r: Record) -> bool:
            v = r.get(outer)
            return test(v.get(member) if isinstance(v, dict) else None)
    elif len(path) == 1 and op in ("in", "not_in"):
        key, allowed = path[0], frozenset(_as_list(node[op]))

        def held(r: Record) -> bool:  # the commonest condition, in one call
            try:
                return r.get(key) in allowed
            except TypeError:
                return False
    elif len(path) == 1:
        key = path[0]
        held = lambda r: test(r.get(key))  # noqa: E731
    else:
        held = lambda r: test(_value(r, path))  # noqa: E731
    if op in ROLE_OPERATORS:
        named = held
        return lambda r: named(r) and issued_here(r)
    if op == "not_in":
        return lambda r: not held(r)
    return held


ROLE_OPERATORS = ("own_role_of", "data_role_of")
ISSUER_ACCOUNT = "userIdentity.sessionContext.sessionIssuer.accountId"


def issued_here(record: Record) -> bool:
    """Whether the record's session was issued by a role of the account whose trail recorded it: a role is named by
    whoever creates it, in any account, and another account's role can read a table its resource policy opens."""
    account = _value(record, ("userIdentity", "sessionContext", "sessionIssuer", "accountId"))
    return isinstance(account, str) and account != "" and account == record.get("recipientAccountId")


def fields_of(node: Any) -> set[str]:
    """The record fields (dotted paths) a match reads."""
    if not isinstance(node, dict):
        return set()
    out: set[str] = set()
    for key in ("all", "any"):
        for child in _as_list(node.get(key, [])):
            out |= fields_of(child)
    if "not" in node:
        out |= fields_of(node["not"])
    if "field" in node:
        out.add(str(node["field"]))
        if any(op in node for op in ROLE_OPERATORS):
            out |= {ISSUER_ACCOUNT, "recipientAccountId"}
    return out


def required_sources(node: dict[str, Any]) -> frozenset[str] | None:
    """The eventSources a match can only hold for (an `eventSource in` at its top), so a scan runs the
    detection on those records only; None when it can hold for any record."""
    if node.get("field") == "eventSource" and "in" in node:
        return frozenset(_as_list(node["in"]))
    if "all" in node:
        for child in _as_list(node["all"]):
            found = required_sources(child) if isinstance(child, dict) else None
            if found is not None:
                return found
    if "any" in node:  # every branch restricted: the union
        branches = [required_sources(c) if isinstance(c, dict) else None for c in _as_list(node["any"])]
        if branches and all(b is not None for b in branches):
            return frozenset().union(*(b for b in branches if b is not None))
    return None


def parse_detection(raw: Any, source: str) -> Detection:
    try:
        detection = Detection.model_validate(raw)
        compile_match(detection.match)
    except (ValueError, TypeError) as exc:
        raise DetectionError(f"{source}: {exc}") from exc
    if detection.aggregate == "window":
        for key in ("count", "window_seconds"):
            if detection.thresholds.get(key, 0) <= 0:
                raise DetectionError(f"{source}: thresholds.{key}: a window detection needs a positive value")
    return detection


@cache
def load_detections() -> tuple[Detection, ...]:
    """The shipped detections, in file-name order."""
    folder = resources.files("kokuho.data").joinpath("detections")
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            out.append(parse_detection(json.loads(entry.read_text("utf-8")), f"detections/{entry.name}"))
    ids = [d.id for d in out]
    if len(set(ids)) != len(ids):
        raise DetectionError(f"detections: an id is used twice: {ids}")
    return tuple(out)


def by_id(detections: Iterable[Detection]) -> dict[str, Detection]:
    return {d.id: d for d in detections}
