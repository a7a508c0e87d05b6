"""The Athena named queries (issue 11 item 5) run through DuckDB on real-format trail files: each detection's
query finds what `kokuho trail scan` finds on the detection's own inline test records (and on random
bursts), and the security team's other queries (who accessed a person, one staff member's activity, denied
calls, key usage) give the rows they should. Same SQL text as the Audit stack's named queries."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trail_fixtures import ACCOUNT, T0, at, get_item, log_path, record, staff_identity, write_by_day, write_log

from kokuho.cli.main import main
from kokuho.trail.athena import QueryError, load_queries, parse_query, query_named
from kokuho.trail.detections import Detection, load_detections
from kokuho.trail.duckdb_local import MACROS, connect, run_query
from kokuho.trail.scan import Scanner

DETECTIONS = load_detections()
ALL_DAYS = {"day_from": "2000-01-01", "day_to": "2099-12-31"}


def sql_findings(root: Path, detection: Detection, thresholds: dict[str, int] | None = None) -> list[tuple[Any, ...]]:
    query = query_named(f"kokuho-detection-{detection.id}", thresholds)
    columns, rows = run_query(connect(root), query, ALL_DAYS)
    assert columns == ["rule", "principal", "count", "first", "last", "event_ids"]
    return sorted((r[0], r[1], r[2], r[3], r[4], tuple(sorted(r[5]))) for r in rows)


def scan_findings(records: list[dict[str, Any]], detection: Detection,
                  thresholds: dict[str, int] | None = None) -> list[tuple[Any, ...]]:
    scanner = Scanner([detection], {detection.id: thresholds or {}})
    scanner.feed(records)
    return sorted((f.rule, f.principal, f.count, f.first, f.last, tuple(sorted(f.event_ids)))
                  for f in scanner.findings())


def test_every_query_is_athena_sql_calling_only_trino_functions() -> None:
    """The text Athena receives: parsed with sqlglot's Athena dialect; a function Trino does not have (a
    DuckDB one such as regexp_matches or epoch) or DuckDB's `::` cast would only work locally."""
    for q in load_queries():
        tree = sqlglot.parse_one(q.sql, read="athena")
        unknown = sorted({f.name for f in tree.find_all(sqlglot.exp.Anonymous)})
        assert not unknown, (q.name, unknown)
        assert "::" not in re.sub(r"'[^']*'", "", q.sql), q.name
    # the DuckDB macros stand for Trino functions of those names (the same meaning, checked above by use)
    for macro in MACROS:
        name = re.match(r"CREATE MACRO (\w+)\(", macro)
        assert name is not None
        call = sqlglot.parse_one(f"SELECT {name.group(1)}(x, y)" if "," in macro.split(")")[0]
                                 else f"SELECT {name.group(1)}(x)", read="athena")
        assert not list(call.find_all(sqlglot.exp.Anonymous)), name.group(1)


def test_every_detection_has_its_named_query_and_every_query_is_named_once() -> None:
    names = {q.name for q in load_queries()}
    assert {f"kokuho-detection-{d.id}" for d in DETECTIONS} <= names
    assert {"kokuho-who-accessed-person", "kokuho-staff-activity", "kokuho-denied-calls",
            "kokuho-key-usage"} <= names
    for q in load_queries():
        assert q.description and "${" not in q.sql, q.name
        assert q.detection is None or q.name == f"kokuho-detection-{q.detection}"


@pytest.mark.parametrize("detection", DETECTIONS, ids=lambda d: d.id)
def test_each_detection_query_finds_what_the_scan_finds_on_its_inline_cases(
        detection: Detection, tmp_path: Path) -> None:
    fired = 0
    for n, case in enumerate(detection.tests):
        root = tmp_path / f"case{n}"
        write_by_day(root, case.records)
        expected = scan_findings(case.records, detection, case.thresholds)
        assert len(expected) == len(case.expect), case.name  # the scan itself agrees with the file
        assert sql_findings(root, detection, case.thresholds) == expected, case.name
        fired += bool(expected)
    assert fired  # at least one case of each detection has findings for the query to match


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gaps=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=40),
       who=st.lists(st.sampled_from(["S0301", "S0302"]), min_size=40, max_size=40),
       threshold=st.integers(min_value=1, max_value=5))
def test_bulk_read_query_matches_the_scan_on_random_bursts(
        tmp_path_factory: pytest.TempPathFactory, gaps: list[int], who: list[str], threshold: int) -> None:
    """Sliding windows, bursts joined through starts between events, ties: the SQL and the scan agree."""
    seconds, records = 0, []
    for gap, staff in zip(gaps, who, strict=False):
        seconds += gap
        records.append(get_item(seconds, staff))
    detection = next(d for d in DETECTIONS if d.id == "bulk-read")
    thresholds = {"count": threshold, "window_seconds": 10}
    root = tmp_path_factory.mktemp("bursts")
    write_by_day(root, records)
    assert sql_findings(root, detection, thresholds) == scan_findings(records, detection, thresholds)


def test_the_day_partition_bounds_the_query(tmp_path: Path) -> None:
    stop = record("StopLogging", "cloudtrail.amazonaws.com", 10)
    later = dict(record("DeleteTrail", "cloudtrail.amazonaws.com", 0), eventTime="2024-11-07T09:00:00Z")
    write_by_day(tmp_path, [stop, later])
    query = query_named("kokuho-detection-trail-tampering")
    con = connect(tmp_path)
    _, rows = run_query(con, query, {"day_from": "2024-11-05", "day_to": "2024-11-06"})
    assert [r[5] for r in rows] == [[stop["eventID"]]]
    _, rows = run_query(con, query, {"day_from": "2024/11/07", "day_to": "2024/11/07"})
    assert [r[5] for r in rows] == [[later["eventID"]]]


def write_access_export(root: Path, rows: list[dict[str, Any]]) -> None:
    by_day: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_day.setdefault(row["at"][:10].replace("-", "/"), []).append(row)
    for day, recs in by_day.items():
        path = root / "access-records" / day / f"access-records-{day.replace('/', '')}.jsonl.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode()))


def access_row(seconds: float, staff: str, subjects: list[str], operation: str = "read_person") -> dict[str, Any]:
    moment = T0 + timedelta(seconds=seconds)
    return {"at": moment.astimezone(UTC).isoformat(timespec="microseconds"), "staff_id": staff,
            "terminal_id": "T-0101", "purpose": "窓口", "subject_ids": subjects, "category": "qualification",
            "operation": operation, "result": "ok", "chain": f"SUBJECT#{subjects[0]}", "seq": 1}


def test_who_accessed_a_person_joins_the_access_records_with_the_trail(tmp_path: Path) -> None:
    write_access_export(tmp_path, [
        access_row(5, "S0301", ["P000123"]),
        access_row(130, "S0302", ["P000999", "P000123"], "monthly_batch"),
        access_row(200, "S0303", ["P000999"]),                 # another person: never shown
        access_row(3 * 86400, "S0301", ["P000123"]),           # outside the period asked
    ])
    write_by_day(tmp_path, [get_item(1, "S0301"), get_item(40, "S0301"), get_item(70, "S0301"),
                            get_item(125, "S0302"), get_item(200, "S0303")])
    columns, rows = run_query(connect(tmp_path), query_named("kokuho-who-accessed-person"),
                              {"person_id": "P000123", "day_from": "2024-11-05", "day_to": "2024-11-06"})
    got = [dict(zip(columns, r, strict=True)) for r in rows]
    assert [(r["staff_id"], r["operation"], r["trail_events"]) for r in got] == [
        ("S0301", "read_person", 2),     # 01:00:01 and 01:00:40 are in its minute; 01:01:10 is not
        ("S0302", "monthly_batch", 1)]
    assert got[0]["first_trail_event"] == at(1) and got[0]["last_trail_event"] == at(40)
    _, none = run_query(connect(tmp_path), query_named("kokuho-who-accessed-person"),
                        {"person_id": "P777777", "day_from": "2024-11-05", "day_to": "2024-11-06"})
    assert none == []


def test_who_accessed_a_person_counts_the_events_of_the_records_own_request(tmp_path: Path) -> None:
    """A record that names its request (kokuho.platform.request_ids) joins that request's events exactly —
    a workflow's, whose events name the run, not the record's `system:` actor, included; the minute-and-staff
    match is for records older than request ids."""
    def marked(event: dict[str, Any], request_id: str) -> dict[str, Any]:
        return {**event, "userAgent": f"Boto3/1.34.0 Botocore/1.34.0 kokuho-req/{request_id}"}

    batch = access_row(30, "system:monthly-assessment", ["P000123"], "write")
    batch.update(request_id="6f1c2b1e-0001", run_id="monthly-2024-11", chain="monthly-2024-11#p001-b00000")
    clerk = {**access_row(95, "S0301", ["P000123"]), "request_id": "6f1c2b1e-0002", "api_request_id": "api-2"}
    write_access_export(tmp_path, [batch, clerk])
    write_by_day(tmp_path, [
        marked(get_item(29, "monthly-2024-11"), "6f1c2b1e-0001"),
        marked(get_item(31, "monthly-2024-11"), "6f1c2b1e-0001"),
        marked(get_item(75, "monthly-2024-11"), "6f1c2b1e-0001"),  # the same request, the next minute
        marked(get_item(94, "S0301"), "6f1c2b1e-0002"),
        marked(get_item(96, "S0301"), "6f1c2b1e-0009"),  # the same staff and minute, another request
    ])
    columns, rows = run_query(connect(tmp_path), query_named("kokuho-who-accessed-person"),
                              {"person_id": "P000123", "day_from": "2024-11-05", "day_to": "2024-11-06"})
    got = [dict(zip(columns, r, strict=True)) for r in rows]
    assert [(r["staff_id"], r["trail_events"]) for r in got] == [("system:monthly-assessment", 3), ("S0301", 1)]
    assert got[0]["last_trail_event"] == at(75)


def test_staff_activity_denied_calls_and_key_usage(tmp_path: Path) -> None:
    key = f"arn:aws:kms:ap-northeast-1:{ACCOUNT}:key/1234abcd-0000-0000-0000-000000000001"

    def kms(name: str, seconds: float, staff: str, error: str | None = None) -> dict[str, Any]:
        rec = record(name, "kms.amazonaws.com", seconds, staff_identity(staff), error=error)
        rec["resources"] = [{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": key}]
        return rec

    records = [get_item(1, "S0301"), kms("Decrypt", 2, "S0301"), kms("Decrypt", 3, "S0301"),
               kms("Decrypt", 4, "S0302", error="AccessDenied"), get_item(5, "S0302"),
               record("GetItem", "dynamodb.amazonaws.com", 6, staff_identity("S0302"), error="AccessDeniedException",
                      params={"tableName": "kokuho-mynumber"})]
    write_by_day(tmp_path, records)
    con = connect(tmp_path)
    cols, rows = run_query(con, query_named("kokuho-staff-activity"), {**ALL_DAYS, "staff_id": "S0301"})
    activity = [dict(zip(cols, r, strict=True)) for r in rows]
    assert [(a["eventname"], a["table_name"]) for a in activity] == [
        ("GetItem", "kokuho-persons"), ("Decrypt", None), ("Decrypt", None)]
    assert activity[0]["requestid"] == records[0]["requestID"]
    cols, rows = run_query(con, query_named("kokuho-denied-calls"), ALL_DAYS)
    assert [r[:5] for r in rows] == [("S0302", "dynamodb.amazonaws.com", "GetItem", "AccessDeniedException", 1),
                                     ("S0302", "kms.amazonaws.com", "Decrypt", "AccessDenied", 1)]
    cols, rows = run_query(con, query_named("kokuho-key-usage"), ALL_DAYS)
    assert [r[:5] for r in rows] == [(key, "S0301", "Decrypt", 2, 0), (key, "S0302", "Decrypt", 1, 1)]


def test_an_empty_folder_gives_empty_tables_not_an_error(tmp_path: Path) -> None:
    for query in load_queries():
        values = {p: "P1" if not p.startswith("day_") else "2024-11-05" for p in query.params}
        assert run_query(connect(tmp_path), query, values)[1] == []


@pytest.mark.parametrize("text, message", [
    ("-- description: x\nSELECT 1", "name"),
    ("-- name: q\nSELECT 1", "description"),
    ("-- name: q\n-- description: d\n-- params: a\nSELECT 1", "0 `?`"),
    ("-- name: q\n-- description: d\nSELECT '${table:nope}'", "unknown table"),
    ("-- name: q\n-- description: d\n-- detection: nope\nSELECT 1", "not shipped"),
    ("-- name: q\n-- description: d\n-- detection: bulk-read\nSELECT ${threshold:speed}", "threshold"),
])
def test_a_malformed_query_file_is_refused_naming_what(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(text, "athena/bad.sql")


def test_parameters_are_named_and_checked(tmp_path: Path) -> None:
    query = query_named("kokuho-staff-activity")
    with pytest.raises(QueryError, match="missing parameter"):
        run_query(connect(tmp_path), query, {"day_from": "2024-11-05", "day_to": "2024-11-05"})
    with pytest.raises(QueryError, match="unknown parameter"):
        run_query(connect(tmp_path), query, {**ALL_DAYS, "staff_id": "S1", "table": "x"})
    with pytest.raises(QueryError, match="day_from: a day"):
        run_query(connect(tmp_path), query, {"day_from": "5 Nov", "day_to": "2024-11-05", "staff_id": "S1"})


def test_the_command_lists_and_runs_the_named_queries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trail", "query", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(q.name in listed for q in load_queries())
    write_by_day(tmp_path, [record("StopLogging", "cloudtrail.amazonaws.com", 10)])
    code = main(["trail", "query", "kokuho-detection-trail-tampering", "--logs", str(tmp_path),
                 "--param", "day_from=2024-11-01", "--param", "day_to=2024-11-30", "--json"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0 and [json.loads(line)["rule"] for line in out] == ["trail-tampering"]
    code = main(["trail", "query", "kokuho-staff-activity", "--logs", str(tmp_path), "--param", "day_from=2024-11-01"])
    captured = capsys.readouterr()
    assert code == 2 and "missing parameter" in captured.err
    assert main(["trail", "query", "nope", "--logs", str(tmp_path)]) == 2
    assert "no named query" in capsys.readouterr().err


def test_the_query_reads_what_the_scan_reads(tmp_path: Path) -> None:
    """Same files as the scan: digests and signatures skipped, gzip and plain JSON both read."""
    a = record("DeleteTrail", "cloudtrail.amazonaws.com", 1)
    b = record("StopLogging", "cloudtrail.amazonaws.com", 2)
    write_log(log_path(tmp_path, 0), [a])
    write_log(log_path(tmp_path, 0, unique="plain").with_suffix(""), [b])
    digest = tmp_path / "AWSLogs" / ACCOUNT / "CloudTrail-Digest" / "ap-northeast-1" / "2024/11/05" / "d.json.gz"
    write_log(digest, [record("UpdateTrail", "cloudtrail.amazonaws.com", 3)])
    _, rows = run_query(connect(tmp_path), query_named("kokuho-detection-trail-tampering"), ALL_DAYS)
    assert Counter(r[5][0] for r in rows) == Counter([a["eventID"], b["eventID"]])
