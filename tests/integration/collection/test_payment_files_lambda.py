"""Payment files through their Lambda on the embedded AWS (issue 12 item 2): applied once, the unknown to the
unmatched queue, a refused file changes nothing, each payer's write recorded."""

from __future__ import annotations

from typing import Any

from kokuho.access.records import records_by_staff
from kokuho.collection.ledger import charge_from_version, ledger_state
from kokuho.collection.slips import payment_number, slips_of
from kokuho.intake.framing import build_file
from kokuho.premium.installments import split_equally
from kokuho.records.collection import DynamoCollectionStore
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.ledger_seed import seed_ledger

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]


def ledgers(store: DynamoCollectionStore, households: int) -> None:
    charges = [charge_from_version(f"H{n}", 2024, version=1, payer_id=f"H{n}-P1", annual=100_000,
                                   installments=split_equally(100_000, MONTHS)) for n in range(households)]
    seed_ledger(*charges)
    store.put_slips([s for c in charges for s in slips_of(c)])


def deliver(aws: EmbeddedAWS, key: str, kind: str, data: bytes) -> dict[str, Any]:
    bucket = aws.bucket_name("exchange")
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=data)
    return dict(aws.invoke("collection-payment-intake", {"bucket": bucket, "key": key, "kind": kind}))


def row(n: int, installment: int, receipt: str) -> dict[str, Any]:
    return {"receipt_id": receipt, "channel": "コンビニ", "amount": 10_000, "paid_on": "2024-07-10",
            "payment_number": payment_number(f"H{n}", 2024, installment, 1)}


def test_a_receipts_file_is_applied_once_and_the_unknown_queued(aws: EmbeddedAWS) -> None:
    store = DynamoCollectionStore()
    ledgers(store, 60)
    rows = [row(n, 1, f"R{n}") for n in range(60)] + [row(999, 1, "R999")]  # H999 has no ledger
    data = build_file(rows)
    out = deliver(aws, "payments/incoming/receipts/r-1.jsonl", "receipts", data)
    assert (out["accepted"], out["applied"], out["unmatched"], out["applied_yen"]) == (True, 60, 1, 600_000)
    found = store.ledgers([(f"H{n}", 2024) for n in range(60)])
    assert all(ledger_state(lg.charge, lg.payments).installments[0].paid == 10_000 for lg in found.values())
    (queued,) = store.unmatched()
    assert (queued.reason, queued.line) == ("unknown 納付番号", 61)
    records = list(records_by_staff("system:payment-intake"))
    for operation in ("read", "write"):
        assert sorted(s for r in records if r.operation == operation for s in r.subject_ids) == sorted(
            f"H{n}-P1" for n in range(60))

    again = deliver(aws, "payments/incoming/receipts/r-1-resent.jsonl", "receipts", data)
    assert again["duplicate"] is True and again["applied_as"] == "payments/incoming/receipts/r-1.jsonl"
    overlapping = deliver(aws, "payments/incoming/receipts/r-2.jsonl", "receipts",
                          build_file([row(0, 1, "X0"), row(0, 2, "X1")]))
    assert (overlapping["applied"], overlapping["duplicates"]) == (1, 1)
    lg = store.ledgers([("H0", 2024)])[("H0", 2024)]
    assert [p.payment_id for p in lg.payments] == [f"SN-{payment_number('H0', 2024, k, 1)}" for k in (1, 2)]


def test_a_refused_file_changes_nothing(aws: EmbeddedAWS) -> None:
    store = DynamoCollectionStore()
    ledgers(store, 2)
    rows = [row(0, 1, "R0"), {**row(1, 1, "R1"), "amount": "10000"}]
    out = deliver(aws, "payments/incoming/receipts/bad.jsonl", "receipts", build_file(rows))
    assert out["accepted"] is False
    assert out["errors"] == [{"line": 2, "field": "amount",
                              "message": "must be an integer number of yen ≥ 0 (a JSON integer)"}]
    assert not store.ledgers([("H0", 2024)])[("H0", 2024)].payments
    assert store.applied_payment_ids([f"SN-{payment_number('H0', 2024, 1, 1)}"]) == set()
    assert deliver(aws, "payments/incoming/cash/x.jsonl", "cash", build_file(rows))["errors"][0]["field"] == "kind"


def test_the_daily_workflow_takes_every_delivered_file_and_moves_it_out(aws: EmbeddedAWS) -> None:
    import json
    import secrets

    store = DynamoCollectionStore()
    ledgers(store, 3)
    s3, bucket = aws.client("s3"), aws.bucket_name("exchange")
    s3.put_object(Bucket=bucket, Key="payments/incoming/receipts/a.jsonl",
                  Body=build_file([row(0, 1, "A0"), row(1, 1, "A1")]))
    s3.put_object(Bucket=bucket, Key="payments/incoming/account_transfer/b.jsonl", Body=build_file([
        {"payment_number": payment_number("H2", 2024, 1, 1), "amount": 10_000, "debited_on": "2024-07-01",
         "result_code": "1"}]))
    s3.put_object(Bucket=bucket, Key="payments/incoming/receipts/c.jsonl",
                  Body=build_file([{**row(2, 2, "C2"), "amount": -1}]))
    name = f"p-{secrets.token_hex(4)}"
    out = aws.run_state_machine("collection-payment-intake", {}, name=name, timeout_s=120)
    # Each file's step acts as the execution (its name handed through the map), not as its own Lambda request id.
    assert {r.terminal_id for r in records_by_staff("system:payment-intake")} == {name}
    by_key = {f["key"]: f for f in out["files"]}
    assert by_key["payments/incoming/receipts/a.jsonl"]["applied"] == 2
    assert by_key["payments/incoming/account_transfer/b.jsonl"]["collection_failures"] == 1
    assert by_key["payments/incoming/receipts/c.jsonl"]["accepted"] is False
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["processed/payments/account_transfer/b.jsonl", "processed/payments/receipts/a.jsonl",
                    "rejected/payments/receipts/c.jsonl", "rejected/payments/receipts/c.jsonl.reason.json",
                    "subjects/processed/payments/account_transfer/b.jsonl.json",
                    "subjects/processed/payments/receipts/a.jsonl.json",
                    "subjects/rejected/payments/receipts/c.jsonl.json"]
    reason_key = "rejected/payments/receipts/c.jsonl.reason.json"
    reason = json.loads(s3.get_object(Bucket=bucket, Key=reason_key)["Body"].read())
    assert reason["errors"] == [{"line": 1, "field": "amount",
                                 "message": "must be an integer number of yen ≥ 0 (a JSON integer)"}]
    assert not store.ledgers([("H2", 2024)])[("H2", 2024)].payments
