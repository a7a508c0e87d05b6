"""Receipt files through their Lambda on the embedded AWS (issue 13 item 1): stored per person-month and moved
to processed/, taken once, a refused file moved to rejected/ with its reasons and nothing stored, each person
written recorded."""

from __future__ import annotations

import json
import secrets
from typing import Any

from kokuho.access.records import records_by_staff
from kokuho.intake.framing import build_file
from kokuho.records.qualification import PersonModel, person_pk
from kokuho.records.receipts import DynamoReceiptStore
from kokuho_local.embedded import EmbeddedAWS


def insured(person_id: str, acquired_on: str = "2020-04-01", until: str | None = None) -> None:
    PersonModel(person_pk(person_id), "PROFILE", person_id=person_id, resident_code=f"R{person_id}",
                household_id="H1", name_kanji="試験 一", name_kana="シケン ハジメ", birth_date="1980-01-01", sex="1",
                relationship="世帯主", postal_code="1000001", address="東京都", updated_at="2026-05-01",
                updated_by="test", periods=[{"acquired_on": acquired_on, "acquire_reason": "move_in", "until": until,
                                             "lose_reason": "move_out" if until else None}]).save()


def line(person: str, month: str = "2026-05", setting: str = "outpatient", copay: int = 3_000) -> dict[str, Any]:
    return {"person_id": person, "service_month": month, "provider_code": "1310000001", "setting": setting,
            "points": 1_000, "total_cost": 10_000, "copay": copay}


def deliver(aws: EmbeddedAWS, name: str, data: bytes) -> dict[str, Any]:
    bucket = aws.bucket_name("exchange")
    aws.client("s3").put_object(Bucket=bucket, Key=f"receipts/incoming/{name}", Body=data)
    return dict(aws.invoke("benefits-receipt-intake", {"bucket": bucket, "key": f"receipts/incoming/{name}"}))


def keys(aws: EmbeddedAWS, prefix: str) -> list[str]:
    """The files under `prefix`; each moved file has its record of subjects under subjects/ (legal hold), checked
    here."""
    s3, bucket = aws.client("s3"), aws.bucket_name("exchange")
    files = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []))
    records = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="subjects/").get("Contents", [])}
    assert all(f"subjects/{k}.json" in records for k in files if k.startswith(("processed/", "rejected/"))
               and not k.endswith(".reason.json"))
    return files


def test_a_receipt_file_is_stored_once_per_person_month(aws: EmbeddedAWS) -> None:
    insured("P1")
    insured("P2", until="2026-04-11")
    data = build_file([line("P1"), line("P1", setting="dental"), line("P2", month="2026-04"),
                       line("P2", month="2026-05")])
    out = deliver(aws, "2026-05.jsonl", data)
    assert (out["accepted"], out["applied"], out["person_months"], out["held"]) == (True, 3, 2, 1)
    assert out["moved_to"] == "processed/receipts/2026-05.jsonl"
    assert keys(aws, "receipts/incoming/") == [] and keys(aws, "processed/receipts/") == [out["moved_to"]]
    store = DynamoReceiptStore()
    months = store.person_months([("P1", (2026, 5)), ("P2", (2026, 4)), ("P2", (2026, 5))])
    assert {k: m.copay for k, m in months.items()} == {("P1", (2026, 5)): 6_000, ("P2", (2026, 4)): 3_000}
    assert [(h.person_id, h.service_month) for h in store.held_receipts()] == [("P2", (2026, 5))]
    written = [s for r in records_by_staff("system:receipt-intake") if r.operation == "write" for s in r.subject_ids]
    assert sorted(written) == ["P1", "P2"]

    again = deliver(aws, "2026-05-resent.jsonl", data)
    assert again["duplicate"] is True and again["applied_as"] == "receipts/incoming/2026-05.jsonl"
    assert store.person_months([("P1", (2026, 5))])[("P1", (2026, 5))].copay == 6_000


def test_a_refused_file_is_moved_to_rejected_with_its_reasons_and_stores_nothing(aws: EmbeddedAWS) -> None:
    insured("P1")
    out = deliver(aws, "bad.jsonl", build_file([line("P1"), line("P9")]))
    assert out["accepted"] is False and out["moved_to"] == "rejected/receipts/bad.jsonl"
    body = aws.client("s3").get_object(Bucket=aws.bucket_name("exchange"),
                                       Key="rejected/receipts/bad.jsonl.reason.json")["Body"].read()
    assert json.loads(body)["errors"] == [{"line": 2, "field": "person_id", "message": "no such insured person"}]
    assert DynamoReceiptStore().person_months([("P1", (2026, 5))]) == {}


def test_the_daily_run_takes_every_delivered_file_in_key_order(aws: EmbeddedAWS) -> None:
    insured("P1")
    s3, bucket = aws.client("s3"), aws.bucket_name("exchange")
    s3.put_object(Bucket=bucket, Key="receipts/incoming/a.jsonl", Body=build_file([line("P1")]))
    s3.put_object(Bucket=bucket, Key="receipts/incoming/b.jsonl", Body=build_file([line("P1", copay=10_001)]))
    s3.put_object(Bucket=bucket, Key="receipts/incoming/c.jsonl", Body=build_file([line("P1", setting="dental")]))
    out = aws.run_state_machine("benefits-receipt-intake", {}, name=f"r-{secrets.token_hex(4)}", timeout_s=120)
    assert [(f["key"], f["accepted"]) for f in out["files"]] == [
        ("receipts/incoming/a.jsonl", True), ("receipts/incoming/b.jsonl", False), ("receipts/incoming/c.jsonl", True)]
    assert keys(aws, "receipts/") == [] and keys(aws, "processed/receipts/") == [
        "processed/receipts/a.jsonl", "processed/receipts/c.jsonl"]
    assert keys(aws, "rejected/receipts/") == ["rejected/receipts/b.jsonl", "rejected/receipts/b.jsonl.reason.json"]
    assert DynamoReceiptStore().person_months([("P1", (2026, 5))])[("P1", (2026, 5))].copay == 6_000
