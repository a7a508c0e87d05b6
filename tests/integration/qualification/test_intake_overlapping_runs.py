"""Two runs of the same city file at once (a redelivery under another key, a second execution, a step retried
while its first invocation still runs) must leave each line applied once or held once, never both: a 所得 line
held because its person is not yet in the NHI file, while the person is registered (a 転入) and the other run
applies it, was left held and applied (staff would apply it again: the income counted twice)."""

from __future__ import annotations

from typing import Any

import pytest
from intake_helpers import file_bytes, register, run
from test_intake_tax import income_line

from kokuho.records import intake_files
from kokuho.records import qualification as repo


@pytest.fixture
def household(staffed: None) -> None:
    register("P0001")


def _run(data: bytes, key: str = "incoming/test.jsonl") -> dict[str, Any]:
    try:
        return run("tax", data, key=key)
    except Exception as exc:  # noqa: BLE001 - main raised here: the outcome is what the test reads
        return {"status": type(exc).__name__}


def test_a_line_held_by_one_run_and_applied_by_another_is_applied_once_and_not_held(
        household: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run A finds line 2's person absent and holds the line; just before its hold commits, the person is
    registered and run B takes the same file whole. A's hold must not land (A answers `superseded`)."""
    from kokuho.access.records import records_by_staff

    data = file_bytes([income_line("P0001", 3_000_000), income_line("P0003", 2_000_000)])
    real = intake_files.hold_line
    second: dict[str, Any] = {}

    def register_and_run_again_then_hold(*args: Any, **kw: Any) -> None:
        if not second:
            register("P0003", hh="H0002")  # the 転入 registered meanwhile
            second.update(_run(data, key="incoming/again.jsonl"))
        real(*args, **kw)

    monkeypatch.setattr(intake_files, "hold_line", register_and_run_again_then_hold)
    first = _run(data)
    assert (second["status"], second["applied"], second["held"]) == ("applied", 2, 0), second
    assert intake_files.held_lines("tax") == []  # applied: not also waiting for staff
    assert repo.incomes_of(["P0003"], 2024)["P0003"]["total"] == 2_000_000
    records = list(records_by_staff("system:tax-intake"))
    assert [r.operation for r in records if r.operation == "hold"] == []  # no record of a hold that is not there
    written = sorted(s for r in records if r.category == "income" for s in r.subject_ids)
    assert written == ["HH:H0001", "HH:H0002", "P0001", "P0003"]  # each person's income written once
    assert first["status"] == "superseded", first


def test_a_run_that_held_a_line_and_was_cut_short_keeps_it_held_after_the_registration(
        household: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A step retried after the person was registered resumes: the held line stays held (staff's to apply),
    never applied as well."""
    from kokuho.intake import apply

    data = file_bytes([income_line("P0003", 2_000_000), income_line("P0001", 3_000_000)])
    real = apply.application.register_facts_many
    calls = [0]

    def cut_short(*args: Any, **kw: Any) -> Any:
        calls[0] += 1
        if calls[0] == 1:
            raise RuntimeError("the invocation ended")
        return real(*args, **kw)

    monkeypatch.setattr(apply.application, "register_facts_many", cut_short)
    assert _run(data)["status"] == "RuntimeError"
    register("P0003", hh="H0002")
    out = _run(data)
    assert (out["status"], out["applied"], out["already_applied"]) == ("applied", 1, 1), out
    assert [h["line"] for h in intake_files.held_lines("tax")] == [1]
    assert repo.incomes_of(["P0003"], 2024) == {}


def test_the_run_taken_over_leaves_the_file_to_the_other_one(household: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both runs took the file from city-incoming/: the one that finished moves it to processed/; the one
    fenced off answers `superseded` and moves nothing (the file is gone from where it read it)."""
    from datetime import date

    import boto3

    from kokuho.intake.objects import intake_object
    from kokuho.platform.tables import AWS_REGION, BUCKETS_BY_LOGICAL

    s3, bucket = boto3.client("s3", region_name=AWS_REGION), BUCKETS_BY_LOGICAL["exchange"].name()
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": AWS_REGION})
    key = "city-incoming/tax/2024-06.jsonl"
    s3.put_object(Bucket=bucket, Key=key, Body=file_bytes([income_line("P0001", 3_000_000),
                                                           income_line("P0003", 2_000_000)]))
    real = intake_files.hold_line
    second: dict[str, Any] = {}

    def register_and_run_again_then_hold(*args: Any, **kw: Any) -> None:
        if not second:
            register("P0003", hh="H0002")
            second.update(intake_object(s3, bucket, key, run_id="run-b", today=date(2024, 11, 20)))
        real(*args, **kw)

    monkeypatch.setattr(intake_files, "hold_line", register_and_run_again_then_hold)
    first = intake_object(s3, bucket, key, run_id="run-a", today=date(2024, 11, 20))
    assert (first["status"], second["status"]) == ("superseded", "applied")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="processed/city/tax/")["Contents"]] == [
        "processed/city/tax/2024-06.jsonl"]
    assert intake_files.held_lines("tax") == []
