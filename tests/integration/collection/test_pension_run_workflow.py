"""特別徴収 on the embedded AWS (issue 12 item 6): the `collection-pension` state machine CDK deploys runs its
Lambda, which reads the household's projected case and the pension the insurer notified, writes the deduction
into the ledger (its installments of kind 特別徴収), and puts the 依頼 file under outgoing/pension/; the insurer's
徴収不能 (payment file `pension`) then stops it: a 中止 row, the rest on 普通徴収 installments, the month not
reminded. Every read and write leaves an access record; the 基礎年金番号 is in the file only."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

import boto3
import pytest

from kokuho.access.records import Actor, records_by_staff
from kokuho.collection.ledger import ORDINARY, PENSION_KIND, charge_from_version
from kokuho.collection.pension_ports import PensionMark, PensionRecord
from kokuho.intake.framing import build_file, read_records
from kokuho.payments.service import take_payment_file
from kokuho.platform.tables import BUCKETS_BY_LOGICAL
from kokuho.premium.installments import split_equally
from kokuho.records.collection import DynamoCollectionStore
from kokuho.records.household_cases import put_household_case
from kokuho.records.pension_targets import DynamoPensionStore
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.ledger_seed import seed_ledger

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
NUMBER = "1234567890"
SETUP = Actor("system:test", "t", "test")


def _household() -> None:
    members = [{"id": "P1", "birth_date": "1955-05-01", "insured": [{"from": "2020-05-01", "until": None}],
                "income": {"total": 0}},
               {"id": "P2", "birth_date": "1957-02-01", "insured": [{"from": "2022-02-01", "until": None}],
                "income": {"total": 0}}]
    put_household_case("H1", {"fiscal_year": 2024, "household": {"householder_id": "P1", "members": members}},
                       changed_at=datetime(2024, 4, 1, tzinfo=UTC))
    DynamoPensionStore().put_pensions([PensionRecord("P1", 2024, "001", "1150", NUMBER, 1_200_000, "test")],
                                      [PensionMark("pension", "test", 1)], actor=SETUP)
    seed_ledger(charge_from_version("H1", 2024, version=1, payer_id="P1", annual=100_000,
                                    installments=split_equally(100_000, MONTHS)))


def _requests() -> dict[str, list[dict[str, object]]]:
    s3 = boto3.client("s3")
    bucket = BUCKETS_BY_LOGICAL["exchange"].name()
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="outgoing/pension/").get("Contents", []))
    # each written with its record of subjects (legal hold), kept under subjects/: the insurer's sweep of
    # outgoing/pension/ finds the 依頼 files only, never internal ids
    assert all(k.endswith(".jsonl") for k in keys)
    records = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="subjects/outgoing/pension/")
               .get("Contents", [])}
    assert {f"subjects/{k}.json" for k in keys} <= records
    return {k: [r for _, r in read_records(s3.get_object(Bucket=bucket, Key=k)["Body"].read())[0]] for k in keys}


def _run(aws: EmbeddedAWS, on: str) -> dict[str, object]:
    return aws.run_state_machine("collection-pension", {"on": on}, name=f"p-{secrets.token_hex(4)}")


def test_the_daily_run_deducts_files_the_request_and_a_failed_month_stops_it(aws: EmbeddedAWS) -> None:
    _household()
    out = _run(aws, "2024-07-20")
    assert (out["started"], out["request_file"]["rows"]) == (1, 3), out  # type: ignore[index]
    charge = DynamoCollectionStore().ledgers([("H1", 2024)])[("H1", 2024)].charge
    assert [(i.month, i.amount, i.kind) for i in charge.installments if i.kind == PENSION_KIND] == [
        ("2024-10", 20_000, PENSION_KIND), ("2024-12", 20_000, PENSION_KIND), ("2025-02", 20_000, PENSION_KIND)]
    (rows,) = _requests().values()
    assert [(r["payer_id"], r["month"], r["kind"], r["basic_pension_number"]) for r in rows] == [
        ("P1", "2024-10", "本徴収", NUMBER), ("P1", "2024-12", "本徴収", NUMBER), ("P1", "2025-02", "本徴収", NUMBER)]
    again = _run(aws, "2024-07-20")
    assert (again["changed"], again["request_file"]["rows"]) == (0, 0)  # type: ignore[index]

    result = build_file([{"payer_id": "P1", "fiscal_year": 2024, "month": "2024-10", "amount": 20_000,
                          "result": "徴収不能", "reason": "年金の支払差止"}])
    assert take_payment_file("pension", result, key="k", run_id="r", received_on=date(2024, 10, 20))["accepted"]
    stopped = _run(aws, "2024-10-25")
    assert stopped["stopped"] == 1
    files = _requests()
    assert len(files) == 2
    (stop,) = [r for rows in files.values() for r in rows if r["kind"] == "中止"]
    assert (stop["month"], stop["reason"]) == ("2024-10", "徴収不能")
    charge = DynamoCollectionStore().ledgers([("H1", 2024)])[("H1", 2024)].charge
    assert {i.kind for i in charge.installments} == {ORDINARY} and charge.total == 100_000
    reminded = aws.run_state_machine("collection-reminders", {"on": "2024-12-05"}, name=f"r-{secrets.token_hex(4)}")
    assert reminded["reminders"] == 5  # June … September and November: never the October deduction
    # every read and write of the run recorded; the 基礎年金番号 in none of them
    records = list(records_by_staff("system:pension-run"))
    assert {(r.category, r.operation) for r in records} >= {
        ("収納情報", "write"), ("年金情報", "read"), ("premium", "read")}
    assert not [r for r in records if NUMBER in str(r)]


def test_the_adapter_writes_a_state_only_on_the_ledger_as_read_and_a_correction_keeps_it(aws: EmbeddedAWS) -> None:
    """The port's contract on DynamoDB: a state written against a version or revision that is no longer the
    ledger's is refused whole (WriteConflict, nothing written); a 更正 stored afterwards (the version write)
    changes the annual and keeps the deduction's installments."""
    import pytest

    from kokuho.collection.ports import PensionWrite, WriteConflict

    _household()
    store = DynamoCollectionStore()
    state = {"status": "deducting", "basis": {"version": 1, "annual": 100_000}, "ordinary": [],
             "schedule": [{"month": "2024-10", "kind": "本徴収", "amount": 50_000},
                          {"month": "2024-12", "kind": "本徴収", "amount": 50_000}],
             "stop": None, "extra_from": None, "notices": [], "rev": 1}
    with pytest.raises(WriteConflict):
        store.set_pension([PensionWrite(("H1", 2024), "P1", state, 2, None)], actor=SETUP, chain="t")  # version 2?
    assert store.ledgers([("H1", 2024)])[("H1", 2024)].pension is None
    store.set_pension([PensionWrite(("H1", 2024), "P1", state, 1, None)], actor=SETUP, chain="t")
    with pytest.raises(WriteConflict):  # written meanwhile: the revision read is no longer the ledger's
        store.set_pension([PensionWrite(("H1", 2024), "P1", {**state, "rev": 2}, 1, None)], actor=SETUP, chain="t")
    seed_ledger(charge_from_version("H1", 2024, version=2, payer_id="P1", annual=110_000,
                                    installments=split_equally(110_000, MONTHS)))  # the monthly run's 更正: a raise
    charge = store.ledgers([("H1", 2024)])[("H1", 2024)].charge
    assert (charge.version, charge.annual) == (2, 110_000)
    assert [(i.month, i.amount, i.kind) for i in charge.installments] == [
        ("2024-10", 50_000, PENSION_KIND), ("2024-12", 50_000, PENSION_KIND)]


def test_the_request_file_records_whose_data_left_in_it(aws: EmbeddedAWS) -> None:
    """Probe (files): the 特別徴収依頼 file carries each payer's 基礎年金番号 and deductions to the pension insurer,
    and nothing recorded whose data left in it — only a read of the pending payers under the day's chain (those
    waiting for their pension notice included), where the 全銀 files and the 国保連合会's record an export naming
    the file (FILE#<file id>): a person asking who received their data found no trace of the insurer."""
    _household()
    out = _run(aws, "2024-07-20")
    file_id = out["request_file"]["file_id"]  # type: ignore[index]
    exports = [r for r in records_by_staff("system:pension-run") if r.operation == "export"]
    assert [(r.chain, r.subject_ids) for r in exports] == [(f"FILE#{file_id}", ["P1"])]


def test_a_state_made_from_a_version_a_correction_passed_meanwhile_is_refused(
        aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> None:
    """The version the state was made from is read again, and the transaction holds it there: a 更正 stored
    between that read and the write (the read made stale here) fails the whole write, nothing written."""
    from kokuho.collection.ports import PensionWrite, WriteConflict
    from kokuho.records import collection
    from kokuho.records.ledger_charges import charged_versions

    _household()
    store = DynamoCollectionStore()
    read_before = charged_versions([("H1", 2024)], consistent=True)  # version 1, as the run read it
    seed_ledger(charge_from_version("H1", 2024, version=2, payer_id="P1", annual=110_000,
                                    installments=split_equally(110_000, MONTHS)))  # the 更正, meanwhile
    monkeypatch.setattr(collection, "charged_versions", lambda keys, consistent=False: read_before)
    state = {"status": "deducting", "basis": {"version": 1, "annual": 100_000}, "ordinary": [], "schedule": [],
             "stop": None, "extra_from": None, "notices": [], "rev": 1}
    with pytest.raises(WriteConflict):
        store.set_pension([PensionWrite(("H1", 2024), "P1", state, 1, None)], actor=SETUP, chain="t")
    monkeypatch.undo()
    assert store.ledgers([("H1", 2024)])[("H1", 2024)].pension is None
