"""CloudTrail names the run (issue 11 item 1): a small monthly run on the embedded AWS with the local trail
recorder on. Every DynamoDB data event of the run is made through a data-access role whose session carries
the execution's name as source identity; each function assumes its role once per run (not per call), and
a second run never uses the first run's session. Each access record the run wrote stores the request ids
of the invocation that wrote it, and the named query `kokuho-access-record-trail` joins it, in DuckDB over
the recorded trail and the access records' export, to exactly the events of that invocation — among them
the write of the record itself. Keys in the DynamoDB requests are surrogate ids (domain.md §7)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from monthly_helpers import approve_care_application

from kokuho.access.export import EXPORTER, export_day
from kokuho.assessment.household_cases import put_household_case, put_household_cases
from kokuho.identity.mynumber import count_my_numbers
from kokuho.trail.athena import query_named
from kokuho.trail.detections import load_detections
from kokuho.trail.duckdb_local import connect, run_query
from kokuho.trail.scan import scan_directory
from kokuho_local.embedded import embedded_aws
from kokuho_local.synthetic import generate_city
from kokuho_local.trail_recorder import TrailRecorder

FY = 2024
CITY = generate_city(12, seed=5, fiscal_year=FY)
FIRST, SECOND = "annual-2024-06-first", "annual-2024-06-again"
MONTHLY_FUNCTIONS = ("assessment-prepare", "assessment-batch", "assessment-summarize")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[dict[str, Any]]]]:
    """The city loaded (not recorded), two executions of the annual run recorded, the day's access records
    exported beside the trail."""
    root = tmp_path_factory.mktemp("trail")
    with embedded_aws() as aws:
        approve_care_application()
        put_household_cases(((h.household_id, h.case) for h in CITY.households), changed_at=datetime.now(UTC))
        recorder = TrailRecorder(root)
        for name in (FIRST, SECOND):
            if name == SECOND:
                # a case written again since (not recorded): the rerun reads only what changed, so it has a
                # batch to run (a rerun with nothing changed runs none), in its own session
                first = CITY.households[0]
                put_household_case(first.household_id, first.case, changed_at=datetime.now(UTC))
            with recorder.recording():
                summary = aws.run_state_machine("monthly-assessment", {
                    "mode": "annual", "fiscal_year": FY, "as_of_month": f"{FY}-06", "batch_size": 4}, name=name)
            assert summary["status"] == "completed"
        recorder.write()
        today = datetime.now(UTC).date()
        for day in (today - timedelta(days=1), today):
            export_day(day, root, EXPORTER)
    yield root, recorder.records


def _data_events(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["eventSource"] == "dynamodb.amazonaws.com"]


def test_every_data_event_of_a_run_names_the_run(recorded: tuple[Path, list[dict[str, Any]]]) -> None:
    _, records = recorded
    events = _data_events(records)
    assert events
    by_run = Counter(r["userIdentity"].get("sessionContext", {}).get("sourceIdentity") for r in events)
    assert set(by_run) == {FIRST, SECOND}, by_run  # none made with a function's own role
    for r in events:
        run = r["userIdentity"]["sessionContext"]["sourceIdentity"]
        role = r["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"]
        assert role in {f"kokuho-{fn}-data" for fn in MONTHLY_FUNCTIONS}, role
        assert r["userIdentity"]["arn"] == f"arn:aws:sts::123456789012:assumed-role/{role}/{run}"


def test_each_function_assumes_its_role_once_a_run_and_never_shares_a_session(
        recorded: tuple[Path, list[dict[str, Any]]]) -> None:
    _, records = recorded
    assumed = [r for r in records if r["eventName"] == "AssumeRole"]
    sessions = Counter((r["requestParameters"]["roleArn"].rsplit("/", 1)[1], r["requestParameters"]["sourceIdentity"])
                       for r in assumed)
    # three batches a run, and yet one session per function and run
    assert sessions == {(f"kokuho-{fn}-data", run): 1 for fn in MONTHLY_FUNCTIONS for run in (FIRST, SECOND)}
    for r in assumed:
        tags = {t["key"]: t["value"] for t in r["requestParameters"]["tags"]}
        assert tags["kokuho-terminal"] == "monthly-assessment"
        assert tags["kokuho-function"] == r["requestParameters"]["roleArn"].rsplit("/", 1)[1].removesuffix("-data")
    keys: dict[str, set[str]] = {}
    for r in _data_events(records):
        keys.setdefault(r["userIdentity"]["sessionContext"]["sourceIdentity"], set()).add(
            r["userIdentity"]["accessKeyId"])
    assert not keys[FIRST] & keys[SECOND]


def _written_keys(event: dict[str, Any]) -> set[tuple[str, str]]:
    params = event.get("requestParameters") or {}
    keys = [params.get("key")] + [op.get("key") for item in params.get("transactItems", []) for op in item.values()]
    return {(k["pk"], k["sk"]) for k in keys if isinstance(k, dict) and "pk" in k and "sk" in k}


def test_an_access_record_joins_the_trail_events_of_its_own_request(
        recorded: tuple[Path, list[dict[str, Any]]]) -> None:
    root, records = recorded
    by_event_id = {r["eventID"]: r for r in records}
    today = datetime.now(UTC).date()
    days = {"day_from": (today - timedelta(days=1)).isoformat(), "day_to": (today + timedelta(days=1)).isoformat()}
    columns, rows = run_query(connect(root), query_named("kokuho-access-record-trail"), {"id": FIRST, **days})
    assert rows
    got = [dict(zip(columns, row, strict=True)) for row in rows]
    by_record: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in got:
        assert row["run_id"] == FIRST and row["staff_id"] == "system:monthly-assessment"
        assert row["eventid"] is not None, row  # no record without the events of its request
        by_record.setdefault((row["chain"], row["seq"]), []).append(row)
    assert len({row["request_id"] for row in got}) >= 3  # the three batches: each its own invocation
    for (chain, seq), rows_of in by_record.items():
        events = [by_event_id[row["eventid"]] for row in rows_of]
        # only the events of that invocation, all of them the run's own: made in its session, or the
        # AssumeRole (by the function's own role) that started the session for the run
        for row, event in zip(rows_of, events, strict=True):
            if event["eventName"] == "AssumeRole":
                assert event["requestParameters"]["sourceIdentity"] == FIRST
            else:
                assert row["source_identity"] == FIRST, event
        assert all(f"kokuho-req/{rows_of[0]['request_id']}" in e["userAgent"] for e in events)
        # among them, the write of this very record
        assert any(("CHAIN#" + chain, f"REC#{seq:010d}") in _written_keys(e) for e in events), (chain, seq)
    # the other run's records are not this run's
    assert all(row["run_id"] != SECOND for row in got)


def test_keys_in_the_runs_dynamodb_requests_are_surrogate_ids(recorded: tuple[Path, list[dict[str, Any]]]) -> None:
    _, records = recorded
    values = []
    for r in _data_events(records):
        values.extend(str(v) for pair in _written_keys(r) for v in pair)
        values.extend(str(v) for v in ((r.get("requestParameters") or {}).get("key") or {}).values())
    assert values
    text = json.dumps(values, ensure_ascii=False)
    assert count_my_numbers(text) == 0
    assert all(v.isascii() for v in values)  # ids, never a name in kana or kanji
    numbers = {p.my_number for h in CITY.households for p in h.persons}
    assert not any(n in text for n in numbers)


def test_the_trail_files_hold_what_was_recorded_and_raise_no_detection(
        recorded: tuple[Path, list[dict[str, Any]]]) -> None:
    root, records = recorded
    on_disk = [r for path in sorted((root / "AWSLogs").rglob("*_CloudTrail_*.json.gz"))
               for r in json.loads(gzip.decompress(path.read_bytes()))["Records"]]
    assert len(on_disk) == len(records)
    # the runs' data roles are the catalog's writers and readers of their tables: nothing to report
    assert scan_directory(root, load_detections()).findings() == []
