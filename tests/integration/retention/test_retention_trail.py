"""The nightly retention run and the security desk's bulk-read rule (kokuho trail scan): the run scans the
tables it purges, so at the city's size its reads pass the rule's threshold every night. Run here through the
deployed workflow on the embedded AWS with the trail recorder (the demo's trail, which runs no retention) and
scanned with the threshold lowered to what this small world reaches: the run's reads — each through the
retention function's data-access role, named by its run — are not reported; a member of staff reading as much
in the same minutes is, and so is one whose source identity is the run's own name (the role decides, never a
name a caller may choose)."""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
from freezegun import freeze_time

from kokuho.access.data_role import Caller, DataAccessSessions, acting_as
from kokuho.access.records import Actor, record_access
from kokuho.platform.tables import AWS_REGION, TABLES_BY_LOGICAL
from kokuho.trail.detections import load_detections
from kokuho.trail.scan import scan_directory
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.trail_recorder import TrailRecorder

RETENTION_ROLE = "kokuho-linkage-retention-purge-data"
STAFF_ROLE = "arn:aws:iam::123456789012:role/kokuho-qualification-api-read-data"
READS = ("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems")


def _staff_reads(source_identity: str, count: int) -> None:
    sessions = DataAccessSessions(STAFF_ROLE, lambda: boto3.client("sts", region_name=AWS_REGION))
    table = TABLES_BY_LOGICAL["qualification"].default_name
    client = boto3.client("dynamodb", region_name=AWS_REGION)
    with acting_as(Caller(source_identity, "T-KOKUHO-03", "qualification-api-read", "資格管理"), sessions):
        for n in range(count):
            client.get_item(TableName=table, Key={"pk": {"S": f"PERSON#P{n:04d}"}, "sk": {"S": "PROFILE"}})


def test_the_retention_runs_reads_are_the_scheduled_job_and_a_staff_member_reading_as_much_is_reported(
        aws: EmbeddedAWS, tmp_path: Path) -> None:
    with freeze_time(datetime(2017, 1, 5, tzinfo=UTC)):  # access records past their 7 years: the run reads them
        for n in range(300):
            record_access(Actor("system:x", "run-x", "test"), [f"P{n:04d}"], "資格情報", "read",
                          chain=f"SUBJECT#P{n:04d}")
    minutes = iter(datetime(2026, 12, 1, 3, 30, tzinfo=UTC) + timedelta(milliseconds=100 * n) for n in range(10**6))
    recorder = TrailRecorder(tmp_path / "trail", clock=lambda: next(minutes))
    run = f"ret-{secrets.token_hex(4)}"
    with recorder.recording():
        aws.run_state_machine("linkage-retention", {}, name=run, timeout_s=300)
        ran = [r for r in recorder.records if r["eventName"] in READS
               and r["userIdentity"].get("sessionContext", {}).get("sourceIdentity") == run]
        _staff_reads("S0301", len(ran))
        _staff_reads(run, len(ran))  # a staff data role's session named like the run
    assert len(ran) > 20 and {r["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"] for r in ran} == {
        RETENTION_ROLE}
    files = recorder.write()
    findings = scan_directory(files.root, load_detections(), {"bulk-read": {"count": 20}}).findings()
    bulk = Counter(f.principal for f in findings if f.rule == "bulk-read")
    assert bulk == {"S0301": 1, run: 1}  # the run's name reported once: the staff session's, not the run's reads
    (named,) = [f for f in findings if f.rule == "bulk-read" and f.principal == run]
    staff_events = {r["eventID"] for r in recorder.records if r["userIdentity"].get("sessionContext", {}).get(
        "sessionIssuer", {}).get("userName") == "kokuho-qualification-api-read-data" and r["eventName"] == "GetItem"}
    assert set(named.event_ids) <= staff_events
