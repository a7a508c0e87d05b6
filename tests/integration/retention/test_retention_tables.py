"""The retention run on the embedded AWS with its DynamoDB adapters (kokuho.records.retention_tables): a past
insured person and their household leave the information file, old receipts go, and the access records naming
only what is gone are cut, anchored by the next signed digest, then purged — `kokuho audit verify` says intact
before, between and after, and a second digest still signs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kokuho.access.digest import load_chain, write_digest
from kokuho.access.records import Actor, record_access, records_of_chain
from kokuho.cli.main import main as cli_main
from kokuho.records.qualification import HouseholdModel, PersonModel, household_pk, person_pk
from kokuho.records.receipts import PersonMonthModel
from kokuho.retention.run import run_retention
from kokuho.retention.wiring import access_purge, record_tables
from kokuho_local.embedded import EmbeddedAWS

CLERK = Actor(staff_id="S0001", terminal_id="T-KOKUHO-03", purpose="資格管理 (国保法第9条)")
LOST = {"acquired_on": "2010-04-01", "acquire_reason": "move_in", "until": "2020-04-01", "lose_reason": "move_out"}
INSURED = {"acquired_on": "2010-04-01", "acquire_reason": "move_in"}


def _person(person: str, household: str, period: dict[str, str]) -> None:
    PersonModel(person_pk(person), "PROFILE", person_id=person, resident_code=f"R{person}", household_id=household,
                name_kanji="試験", name_kana="シケン", birth_date="1980-01-01", sex="1", relationship="世帯主",
                postal_code="8020001", address="北九州市", updated_at="2020-04-01", updated_by="test",
                periods=[period]).save()
    HouseholdModel(household_pk(household), "PROFILE", household_id=household, householder_id=person,
                   members=[{"person_id": person, "relationship": "世帯主", "joined_on": "2010-04-01"}],
                   updated_at="2020-04-01", updated_by="test").save()


def _month(person: str, month: str) -> None:
    pk, sk = PersonMonthModel.key(person, (int(month[:4]), int(month[5:])))
    PersonMonthModel(pk, sk, person_id=person, service_month=month, receipt_count=0, receipts=[]).save()


def _paid_ledger_and_its_assessment(aws: EmbeddedAWS, household: str, payer: str, fy: int) -> None:
    """A fiscal year's ledger paid in full on 10 July of that year: its assessment version and case, and the
    payment collection wrote."""
    from kokuho.collection.ledger import charge_from_version
    from kokuho.records.collection import LedgerModel
    from kokuho_local.ledger_seed import seed_ledger

    seed_ledger(charge_from_version(household, fy, version=1, payer_id=payer, annual=10_000,
                                    installments=[{"due": f"{fy}-07", "amount": 10_000}]))
    pk, sk = LedgerModel.key(household, fy)
    LedgerModel(pk, sk, payments=[{"id": f"PAY-{household}-{fy}", "on": f"{fy}-07-10", "amount": 10_000,
                                   "channel": "収納", "installment": 1}]).save()


def _assessment_keys(aws: EmbeddedAWS) -> set[tuple[str, str]]:
    items = aws.client("dynamodb").scan(TableName=aws.table_name("assessment"))["Items"]
    return {(i["pk"]["S"], i["sk"]["S"]) for i in items}


def _run(now: datetime, *, dry_run: bool, aws: EmbeddedAWS) -> dict[str, Any]:
    chain = load_chain()
    floors = {c: seq for c, (seq, _) in chain.floors.items()}
    return run_retention(now, s3=aws.client("s3"), bucket_name=aws.bucket_name, dry_run=dry_run,
                         record_tables=record_tables(), access_log=access_purge(), access_floors=floors, run_id="r")


def _verify(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    code = cli_main(["audit", "verify", "--json"])
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert (code, result["breaks"], result["intact"]) == (0, [], True)
    return result


def test_a_past_person_goes_and_their_access_records_leave_a_verifiable_chain(
        aws: EmbeddedAWS, capsys: pytest.CaptureFixture[str]) -> None:
    _person("P1", "H1", LOST)  # lost qualification on 1 April 2020: due on 1 April 2025
    _person("P2", "H2", INSURED)
    _month("P2", "2023-01")
    _paid_ledger_and_its_assessment(aws, "H2", "P2", 2020)  # paid on 10 July 2020: due 11 July 2022
    _paid_ledger_and_its_assessment(aws, "H2", "P2", 2040)  # paid "on 10 July 2040": not yet due in 2034
    ddb = aws.client("dynamodb")
    for logical, person, sk in (("health", "P1", "VOUCHER#2019"), ("health", "P1", "OPTOUT#MEDICAL_COST_NOTICE"),
                                ("linkage", "P1", "CODE"), ("health", "P2", "VOUCHER#2019")):
        ddb.put_item(TableName=aws.table_name(logical), Item={"pk": {"S": f"PERSON#{person}"}, "sk": {"S": sk}})
    for _ in range(2):
        record_access(CLERK, ["P1"], "qualification", "read")
    record_access(CLERK, ["P2"], "qualification", "read")
    write_digest()
    later = datetime.now(UTC) + timedelta(days=8 * 366)  # every access record is 8 years old then

    report = _run(later, dry_run=True, aws=aws)
    assert report["classes"]["past-insured-persons"] == {"due": 1, "held": 0}
    assert report["classes"]["benefit-rights"]["due"] == 1
    assert report["classes"]["premium-collection"]["due"] == 1
    assert PersonModel.count(person_pk("P1")) == 1  # a report deletes nothing
    assert "P1" not in json.dumps(report) and "P2" not in json.dumps(report)

    first = _run(later, dry_run=False, aws=aws)
    assert PersonModel.count(person_pk("P1")) == 0 and HouseholdModel.count(household_pk("H1")) == 0
    # what other areas kept under P1's key went with them (受診券, opt-out, 符号); P2's stays
    left = {(t, i["pk"]["S"], i["sk"]["S"]) for t in ("health", "linkage")
            for i in ddb.scan(TableName=aws.table_name(t))["Items"]}
    assert left == {("health", "PERSON#P2", "VOUCHER#2019")}
    assert PersonModel.count(person_pk("P2")) == 1 and PersonMonthModel.count(person_pk("P2")) == 0
    # the 2020 ledger went with its year's assessment version and case; 2040's stays
    assert _assessment_keys(aws) == {("ASSESS#H2#FY#2040", "V#0001"), ("HHCASE#H2", "FY#2040")}
    # P1's access records are cut (P1 is gone), not yet deleted; P2's stay (P2 is still in the file)
    assert first["classes"]["access-records"] == {"due": 0, "held": 0, "cut": 2, "deleted": 0}
    _verify(capsys)

    # the next digest (its hour 8 years on: the cut's records must be due then) checks the cut and anchors it
    anchored = write_digest(now=later)
    assert anchored["floors"] == 1
    second = _run(later, dry_run=False, aws=aws)
    assert second["classes"]["access-records"]["deleted"] == 2
    assert list(records_of_chain("SUBJECT#P1")) == [] and len(list(records_of_chain("SUBJECT#P2"))) == 1
    assert _verify(capsys)["records"] == 1
    write_digest(now=later)  # the emptied chain's head is the cut's: the digest step still signs
    _verify(capsys)


def test_records_deleted_without_a_signed_floor_are_named_by_verify(
        aws: EmbeddedAWS, capsys: pytest.CaptureFixture[str]) -> None:
    _person("P1", "H1", LOST)
    for _ in range(2):
        record_access(CLERK, ["P1"], "qualification", "read")
    write_digest()
    _run(datetime.now(UTC) + timedelta(days=8 * 366), dry_run=False, aws=aws)  # the cut, not anchored
    aws.client("dynamodb").delete_item(TableName=aws.table_name("access_log"),
                                       Key={"pk": {"S": "CHAIN#SUBJECT#P1"}, "sk": {"S": "REC#0000000001"}})
    capsys.readouterr()
    assert cli_main(["audit", "verify", "--json"]) == 1
    breaks = json.loads(capsys.readouterr().out)["breaks"]
    assert "chain SUBJECT#P1 record 1: missing (next present record is 2): deleted" in breaks


def test_the_deployed_workflow_removes_a_past_person_with_their_my_number_through_the_vault(
        aws: EmbeddedAWS) -> None:
    """The scheduled state machine on the embedded AWS (the real handlers and their grants): the retention
    function hands the person to the vault function (the only one with rights on the My Number table), which
    removes the number, its claim and the file's mark, recorded; then the person leaves the file."""
    import secrets

    from kokuho.identity.mynumber import check_digit
    from kokuho.identity.vault import store_my_number
    from kokuho.records.vault_store import MyNumberModel

    number = "12345678901" + str(check_digit("12345678901"))
    _person("P1", "H1", LOST)  # lost qualification on 1 April 2020: due since 1 April 2025 (the real clock)
    assert store_my_number("P1", number, CLERK) == "stored"
    report = aws.run_state_machine("linkage-retention", {"dry_run": True}, name=f"ret-dry-{secrets.token_hex(4)}",
                                   timeout_s=120)
    assert report["classes"]["past-insured-persons"]["due"] == 1 and MyNumberModel.count("PERSON#P1") == 1
    out = aws.run_state_machine("linkage-retention", {}, name=f"ret-{secrets.token_hex(4)}", timeout_s=120)
    assert out["classes"]["past-insured-persons"] == {"due": 1, "held": 0, "deleted": 1, "numbers": 1,
                                                      "households": 1}
    assert MyNumberModel.count("PERSON#P1") == 0 and PersonModel.count(person_pk("P1")) == 0
    assert [r.operation for r in records_of_chain("SUBJECT#P1")][-1] == "forget"  # the vault's, naming P1


def test_a_purged_record_takes_its_shared_index_entries_with_it(aws: EmbeddedAWS) -> None:
    # A batch's read record: entries shared by the households of a bucket, and one of its own (Q1). Deleting
    # the record below an anchored floor deletes them all: none is left naming a record that is gone.
    from kokuho.access.records import scan_records
    from kokuho.retention.wiring import access_purge

    record_access(CLERK, [f"H00001{d:02d}" for d in range(12)] + [f"H00002{d:02d}" for d in range(10)] + ["Q1"],
                  "assessment", "read", chain="run-1#b-0")
    items = list(scan_records())
    assert sorted(str(i["pk"]) for i in items) == ["CHAIN#run-1#b-0", "SUBJ#Q1", "SUBJS#H00001", "SUBJS#H00002"]
    (record,) = [i for i in items if str(i["pk"]).startswith("CHAIN#")]
    access_purge().delete_record(record)
    assert list(scan_records()) == []


def test_a_past_person_goes_in_the_run_that_deletes_their_last_receipts(aws: EmbeddedAWS) -> None:
    """Probe (retention order): a past person is kept while receipts name them, and the table classes were to run
    first so the person goes in the same run as their last record (docs/retention.md). The run followed the data
    file's order instead — past-insured-persons before benefit-rights, 返還金 and premiums — so the person was
    judged while their last receipts were still there, and kept one more run (a day more of personal data)."""
    _person("P1", "H1", LOST)  # lost qualification on 1 April 2020: due on 1 April 2025
    _month("P1", "2023-03")  # read as history up to February 2024 (right 1 March 2024): due on 1 March 2026
    out = _run(datetime(2026, 3, 1, 3, tzinfo=UTC), dry_run=False, aws=aws)
    assert out["classes"]["benefit-rights"]["deleted"] == 1 and PersonMonthModel.count(person_pk("P1")) == 0
    assert out["classes"]["past-insured-persons"]["deleted"] == 1 and PersonModel.count(person_pk("P1")) == 0
