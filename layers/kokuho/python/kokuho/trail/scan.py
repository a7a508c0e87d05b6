"""Running the detections over CloudTrail records (interfaces.md "Security review: kokuho trail scan").

Records are fed file by file; event and principal findings are kept as they match, window detections keep
each principal's matching event times and settle their bursts at the end. Findings are data, not errors.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kokuho.trail.bursts import bursts
from kokuho.trail.detections import Detection, Predicate, compile_match, fields_of, required_sources
from kokuho.trail.logs import RecordReader, TrailFileError, log_files, principal

# (epoch seconds, eventTime as written, eventID)
Event = tuple[float, str, Any]


@dataclass(frozen=True)
class Finding:
    rule: str
    principal: str | None
    count: int
    first: str
    last: str
    event_ids: list[Any]
    severity: str = field(default="", compare=False)
    title: str = field(default="", compare=False)

    def to_json(self) -> dict[str, Any]:
        """The contract's object (interfaces.md): exactly these fields."""
        return {"rule": self.rule, "principal": self.principal, "count": self.count, "first": self.first,
                "last": self.last, "event_ids": self.event_ids}


@dataclass(frozen=True)
class _Rule:
    detection: Detection
    predicate: Predicate
    thresholds: Mapping[str, int]


def _epoch(value: Any, source: str, index: int) -> float:
    if not isinstance(value, str):
        raise TrailFileError(source, f"record {index}: eventTime missing or not a string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        # named, never echoed: a value from the file may be anything, a My Number included
        raise TrailFileError(source, f"record {index}: eventTime is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise TrailFileError(source, f"record {index}: eventTime has no time zone")
    return moment.timestamp()


class Scanner:
    """Feed records, then ask for the findings. `overrides` replaces thresholds per detection id."""

    def __init__(self, detections: Iterable[Detection],
                 overrides: Mapping[str, Mapping[str, int]] | None = None) -> None:
        overrides = overrides or {}
        detections = list(detections)
        self.fields = set().union(*(fields_of(d.match) for d in detections))
        self._anywhere: list[_Rule] = []
        self._by_source: dict[str, list[_Rule]] = defaultdict(list)
        for det in detections:
            rule = _Rule(det, compile_match(det.match), {**det.thresholds, **overrides.get(det.id, {})})
            sources = required_sources(det.match)
            if sources is None:
                self._anywhere.append(rule)
            else:
                for src in sources:
                    self._by_source[src].append(rule)
        self._for_source: dict[Any, tuple[_Rule, ...]] = {}
        self._single: list[tuple[_Rule, str | None, Event]] = []
        self._grouped: dict[tuple[str, str | None], list[Event]] = defaultdict(list)
        self._rules: dict[str, _Rule] = {}
        self.records = 0

    def _rules_for(self, source: Any) -> tuple[_Rule, ...]:
        rules = self._for_source.get(source)
        if rules is None:
            specific = self._by_source.get(source, []) if isinstance(source, str) else []
            rules = self._for_source[source] = (*self._anywhere, *specific)
        return rules

    def feed(self, records: list[dict[str, Any]], source: str = "") -> None:
        """Run every detection on the records of one file (`source` names the file in errors)."""
        self.records += len(records)
        rules_for = self._rules_for
        epochs: dict[Any, float] = {}
        for index, rec in enumerate(records):
            for rule in rules_for(rec.get("eventSource")):
                if not rule.predicate(rec):
                    continue
                time = rec.get("eventTime")
                # events of one second share their eventTime: parse it once
                epoch = epochs.get(time) if isinstance(time, str) else None
                if epoch is None:
                    epoch = epochs[time] = _epoch(time, source, index)
                event: Event = (epoch, str(time), rec.get("eventID"))
                who = principal(rec)
                det = rule.detection
                if det.aggregate == "event":
                    self._single.append((rule, who, event))
                else:
                    self._grouped[(det.id, who)].append(event)
                    self._rules[det.id] = rule

    def findings(self) -> list[Finding]:
        """Every finding so far, in time order (then rule, then principal)."""
        out: list[tuple[float, Finding]] = []
        for rule, who, (epoch, time, event_id) in self._single:
            out.append((epoch, self._finding(rule, who, 1, time, time, [event_id])))
        for (rule_id, who), events in self._grouped.items():
            rule = self._rules[rule_id]
            events.sort(key=lambda e: e[0])  # stable: same-second events keep the log's order
            if rule.detection.aggregate == "principal":
                out.append((events[0][0], self._finding(rule, who, len(events), events[0][1], events[-1][1],
                                                        [e[2] for e in events])))
                continue
            times = [e[0] for e in events]
            for burst in bursts(times, rule.thresholds["count"], rule.thresholds["window_seconds"]):
                out.append((events[burst.first][0], self._finding(
                    rule, who, burst.count, events[burst.first][1], events[burst.last][1],
                    [events[i][2] for i in burst.window])))
        out.sort(key=lambda item: (item[0], item[1].rule, item[1].principal or ""))
        return [f for _, f in out]

    @staticmethod
    def _finding(rule: _Rule, who: str | None, count: int, first: str, last: str, ids: list[Any]) -> Finding:
        det = rule.detection
        return Finding(det.id, None if who is None else shown_principal(who), count, shown_time(first),
                       shown_time(last), [shown_event_id(i) for i in ids], det.severity, det.title)


def shown_principal(principal: str) -> str:
    """A principal as a finding prints it: the log's value, unless a part someone chose — a sourceIdentity, a role's
    or user's name or path, a role session's name: any part of an ARN — holds a My Number, then that part redacted.
    An ARN's account is the account's, printed as it is (found and grouped by the value as logged either way)."""
    from kokuho.identity.redaction import without_my_numbers

    parts = principal.split(":", 5)  # arn:partition:service:region:account:resource
    if len(parts) == 6 and parts[0] == "arn":
        # Only the account slot is kept, and only as AWS writes one (a sourceIdentity cannot hold a ':').
        account = parts[4] if parts[4].isascii() and parts[4].isdigit() and len(parts[4]) == 12 else (
            without_my_numbers(parts[4]))
        return ":".join([*(without_my_numbers(p) for p in parts[:4]), account, without_my_numbers(parts[5])])
    return without_my_numbers(principal)


def shown_time(written: str) -> str:
    """An eventTime as printed: as written, unless it holds a My Number — ISO 8601 takes a fraction of a second of
    any length — then the moment in CloudTrail's own form (whole seconds, UTC), which holds none."""
    from kokuho.identity.mynumber import contains_my_number

    if not contains_my_number(written):
        return written
    return datetime.fromisoformat(written).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def shown_event_id(event_id: Any) -> Any:
    """An eventID as printed: AWS's UUID as it is; anything else written into the log — a string, or a number, a list
    or an object where a string belongs — redacted if it holds a My Number (then as text)."""
    from kokuho.identity.mynumber import contains_my_number, is_aws_request_id
    from kokuho.identity.redaction import without_my_numbers

    if isinstance(event_id, str):
        return event_id if is_aws_request_id(event_id) else without_my_numbers(event_id)
    if event_id is None or isinstance(event_id, bool):
        return event_id
    text = json.dumps(event_id, ensure_ascii=False, default=str)
    return without_my_numbers(text) if contains_my_number(text) else event_id


def scan_directory(root: Path, detections: Iterable[Detection],
                   overrides: Mapping[str, Mapping[str, int]] | None = None) -> Scanner:
    """Scan every log file under `root` (raises TrailFileError naming a directory or file it cannot read)."""
    scanner = Scanner(detections, overrides)
    reader = RecordReader(scanner.fields)
    for path in log_files(root):
        scanner.feed(reader.read(path), str(path))
    return scanner


def check_detection(detection: Detection) -> list[str]:
    """Run a detection's inline test cases; the failures, described (empty when all pass)."""
    failures = []
    for case in detection.tests:
        scanner = Scanner([detection], {detection.id: case.thresholds})
        scanner.feed(case.records, f"{detection.id}: {case.name}")
        got = [f.to_json() for f in scanner.findings()]
        want = [e.model_dump(exclude_unset=True) for e in case.expect]
        matched = len(got) == len(want) and all(
            all(g.get(k) == v for k, v in w.items()) for g, w in zip(got, want, strict=True))
        if not matched:
            failures.append(f"{detection.id}: {case.name}: expected {want}, got {got}")
    return failures
