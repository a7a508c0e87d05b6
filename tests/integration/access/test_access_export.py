"""The access records' daily export (issue 11 item 5): one day's records as JSON Lines in the layout
Athena's access_records table reads, the export itself recorded — and the who-accessed named query finds
the person's accesses in it through DuckDB, as Athena would in the bucket; on AWS the daily access-export
state machine writes it to the audit bucket."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from kokuho.access.export import export_key, records_of_day
from kokuho.access.records import Actor, record_access
from kokuho.cli.main import main as cli_main
from kokuho.trail.athena import query_named
from kokuho.trail.duckdb_local import connect, run_query
from kokuho_local.embedded import EmbeddedAWS

CLERK = Actor(staff_id="S0001", terminal_id="T-KOKUHO-03", purpose="資格管理 (国保法第9条)")
AUDITOR, AUDIT_TERMINAL = "A0001", "T-SEC-02"
OTHER = Actor(staff_id="S0002", terminal_id="T-KOKUHO-07", purpose="賦課 (国保法第76条)")
NOW = datetime.now(UTC)
TODAY = NOW.date()


def _auditor_granted() -> None:
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff

    put_staff(StaffMember(AUDITOR, "点検 一郎", "情報政策課", date(2020, 4, 1), None))
    put_grant(Grant(AUDITOR, "G-SEC", "read_access_records", "アクセス記録の点検", "個人情報保護法第66条", "情報政策課",
                    date(2020, 4, 1), date(2099, 3, 31), "S9001", "2020-04-01T09:00:00+09:00"))


def export(day: str, out: Path, *extra: str) -> int:
    return cli_main(["audit", "export", "--day", day, "--out", str(out), *extra])


def test_export_writes_the_days_records_in_the_athena_layout_and_is_recorded(
        aws: EmbeddedAWS, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record_access(CLERK, ["P1"], "qualification", "read")
    record_access(OTHER, ["P2", "P1"], "assessment", "write", chain="run-1#b-0")
    _auditor_granted()
    assert export(TODAY.isoformat(), tmp_path, "--as", AUDITOR, "--terminal", AUDIT_TERMINAL) == 0
    assert "3 access record(s)" in capsys.readouterr().out  # two, and the export's own record
    path = tmp_path / export_key(TODAY)
    assert path.relative_to(tmp_path).as_posix() == (
        f"access-records/{TODAY:%Y/%m/%d}/access-records-{TODAY:%Y%m%d}.jsonl.gz")
    lines = [json.loads(line) for line in gzip.decompress(path.read_bytes()).decode().splitlines()]
    assert [(r["staff_id"], r["subject_ids"], r["operation"]) for r in lines] == [
        ("S0001", ["P1"], "read"), ("S0002", ["P2", "P1"], "write"),
        (AUDITOR, [f"EXPORT:{TODAY.isoformat()}"], "export_day")]  # who exported, not the daily run
    assert (lines[2]["terminal_id"], lines[2]["result"]) == (AUDIT_TERMINAL, "ok")
    assert set(lines[0]) == {"at", "staff_id", "terminal_id", "purpose", "subject_ids", "category", "operation",
                             "result", "chain", "seq", "request_id", "api_request_id", "run_id"}
    assert lines[0]["request_id"] is None  # written outside any request (kokuho.platform.request_ids)
    assert records_of_day(TODAY - timedelta(days=1)) == []

    # The named query over the export (no trail here): the person's two accesses, not the export's record.
    columns, rows = run_query(connect(tmp_path), query_named("kokuho-who-accessed-person"),
                              {"person_id": "P1", "day_from": TODAY.isoformat(), "day_to": TODAY.isoformat()})
    assert [(r[columns.index("staff_id")], r[columns.index("trail_events")]) for r in rows] == [
        ("S0001", 0), ("S0002", 0)]


def test_a_bad_day_is_refused_and_nothing_is_written(aws: EmbeddedAWS, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    _auditor_granted()
    assert export("2024-13-01", tmp_path, "--as", AUDITOR) == 2
    assert "day: a date as YYYY-MM-DD" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_an_export_needs_the_members_grant_and_a_refusal_is_recorded(
        aws: EmbeddedAWS, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exporting the access records reads every one of them: the `--as` member's read_access_records grant, as
    `audit who-accessed` needs; without it exit 1, nothing written, the refusal recorded under their name."""
    from kokuho.access.records import records_by_staff

    record_access(CLERK, ["P1"], "qualification", "read")
    with pytest.raises(SystemExit):  # who exports is never left out
        export(TODAY.isoformat(), tmp_path)
    assert export(TODAY.isoformat(), tmp_path, "--as", "S0001", "--terminal", "T-KOKUHO-03") == 1
    assert "refused" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
    refused = [r for r in records_by_staff("S0001") if r.operation == "export_day"]
    assert [(r.subject_ids, r.result, r.terminal_id) for r in refused] == [
        ([f"EXPORT:{TODAY.isoformat()}"], "denied", "T-KOKUHO-03")]


def test_the_daily_run_exports_to_the_audit_bucket_and_the_digests_stay_the_digests(aws: EmbeddedAWS) -> None:
    """The access-export state machine (the deployed ASL) writes the day under access-records/, where
    the Athena table reads; its function may write there and not among the signed digests."""
    from kokuho.access.digest import PREFIX
    from kokuho_local.local_lambda import Grants

    record_access(CLERK, ["P1"], "qualification", "read")
    out = aws.run_state_machine("access-export", {"day": TODAY.isoformat()}, name="export-1")
    assert out["key"] == export_key(TODAY) and out["records"] == 2  # the read and the export's own record
    body = aws.client("s3").get_object(Bucket=aws.bucket_name("audit"), Key=export_key(TODAY))["Body"].read()
    assert [json.loads(line)["staff_id"] for line in gzip.decompress(body).decode().splitlines()] == [
        "S0001", "system:access-export"]
    yesterday = aws.run_state_machine("access-export", {}, name="export-2")  # the schedule's input: none
    assert yesterday["day"] == (TODAY - timedelta(days=1)).isoformat() and yesterday["records"] == 0
    grants = Grants.of("kokuho-audit-export")
    (actions, (prefix,)), = grants.buckets.values()
    assert prefix == "access-records/" and "s3:PutObject" in actions and not prefix.startswith(PREFIX)


@pytest.mark.parametrize("given", [{"dya": TODAY.isoformat()}, {"Day": TODAY.isoformat()}, {"day": 20240601}])
def test_a_misspelt_day_exports_nothing_instead_of_yesterday(aws: EmbeddedAWS, given: dict[str, object]) -> None:
    """A day exported again with a typo ({"dya": …}) exported yesterday instead and answered as done: the day asked
    for stayed missing from Athena's table. The step takes `day` only, a YYYY-MM-DD string, refused before anything is
    read (InputRefused, never retried); nothing is written."""
    from kokuho_local.embedded import ExecutionFailed

    record_access(CLERK, ["P1"], "qualification", "read")
    with pytest.raises(ExecutionFailed) as failed:
        aws.run_state_machine("access-export", given, name="export-typo")
    assert failed.value.error == "InputRefused"
    listed = aws.client("s3").list_objects_v2(Bucket=aws.bucket_name("audit"), Prefix="access-records/")
    assert listed.get("KeyCount", 0) == 0
