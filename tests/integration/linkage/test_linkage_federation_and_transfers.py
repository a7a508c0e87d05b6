"""国保連合会 file intake on the embedded AWS (S3 exchange bucket, intake workflow) and in-city
transfers under data-use applications."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from linkage_world import World

from kokuho.access.records import Actor
from kokuho.linkage.federation import (
    CarryOverRow,
    ContinuityRow,
    build_file,
    carried_over_months,
    export_carry_over,
    export_qualification,
    parse_file,
)
from kokuho.linkage.transfers import (
    Application,
    ApplicationRejected,
    TransferRefused,
    approve_application,
    record_transfer,
    revoke_application,
    submit_application,
    transfers_to,
)
from kokuho.records.linkage import AppliedFileModel, CarryOverModel, ContinuityModel

AT = datetime(2026, 5, 2, 6, 0, tzinfo=UTC)


def _put(world: World, name: str, data: bytes) -> None:
    world.aws.client("s3").put_object(Bucket=world.aws.bucket_name("exchange"), Key=f"incoming/{name}", Body=data)


def _intake(world: World) -> list[dict[str, Any]]:
    out = world.aws.run_state_machine("linkage-federation-intake", {}, name=f"fi-{secrets.token_hex(4)}",
                                      timeout_s=120)
    return list(out["files"])


def _keys(world: World, prefix: str) -> list[str]:
    resp = world.aws.client("s3").list_objects_v2(Bucket=world.aws.bucket_name("exchange"), Prefix=prefix)
    return sorted(o["Key"] for o in resp.get("Contents", []))


def _federation_items(world: World) -> list[dict[str, Any]]:
    return list(world.aws.client("dynamodb").scan(TableName=world.aws.table_name("federation"))["Items"])


def _continuity(file_id: str, person: str = "P100") -> bytes:
    rows = [ContinuityRow(person, "H10", "401000", date(2020, 4, 1), "move_in", prefecture_insured_id="FK0001"),
            ContinuityRow("P200", "H10", "401000", date(2019, 4, 1), "birth", date(2026, 5, 1), "move_out",
                          "FK0002")]
    return build_file("QUALCONT", file_id, rows, "福岡県国民健康保険団体連合会", "401005", AT)


def test_a_good_file_applies_once_and_twice_changes_nothing(world: World) -> None:
    _put(world, "qc-0501.txt", _continuity("QC-FED-20260501"))
    (first,) = _intake(world)
    assert (first["status"], first["records"]) == ("applied", 2)
    c = ContinuityModel.get("PERSON#P200", "CONT#2019-04-01")
    assert (c.prefecture_insured_id, c.lost_on, c.change) == ("FK0002", "2026-05-01", "lose")
    snapshot = _federation_items(world)
    _put(world, "qc-0501-again.txt", _continuity("QC-FED-20260501"))
    (second,) = _intake(world)
    assert second["status"] == "duplicate"
    assert _federation_items(world) == snapshot
    assert "processed/qc-0501-again.txt" in _keys(world, "processed/")


def test_a_bad_file_changes_nothing_and_is_kept_for_review_with_its_reason(world: World) -> None:
    before = _federation_items(world)
    text = _continuity("QC-FED-20260502", person="P300").decode()
    bad = text.replace("2019-04-01", "2019-02-30")  # line 3: impossible date (and the checksum breaks)
    _put(world, "qc-0502.txt", bad.encode())
    (out,) = _intake(world)
    assert out["status"] == "rejected"
    assert _federation_items(world) == before  # P300's valid line 2 was not applied either
    assert _keys(world, "incoming/") == []
    assert {"rejected/qc-0502.txt", "rejected/qc-0502.txt.reason.json"} <= set(_keys(world, "rejected/"))
    body = world.aws.client("s3").get_object(Bucket=world.aws.bucket_name("exchange"),
                                             Key="rejected/qc-0502.txt.reason.json")["Body"].read()
    reason = json.loads(body)
    assert {"line": 3, "field": "acquired_on", "reason": "not a date YYYY-MM-DD"} in reason["errors"]
    assert any(e["field"] == "checksum" for e in reason["errors"])


def test_same_file_id_with_other_content_is_rejected(world: World) -> None:
    _put(world, "a.txt", _continuity("QC-FED-20260503"))
    _put(world, "b.txt", _continuity("QC-FED-20260503", person="P999"))
    outs = {o["key"]: o for o in _intake(world)}
    assert outs["incoming/a.txt"]["status"] == "applied"
    assert outs["incoming/b.txt"]["status"] == "rejected"
    with pytest.raises(ContinuityModel.DoesNotExist):
        ContinuityModel.get("PERSON#P999", "CONT#2020-04-01")
    assert AppliedFileModel.get("FILE#QC-FED-20260503", "APPLIED").source_key == "incoming/a.txt"


def test_carry_over_file_feeds_the_household_count(world: World) -> None:
    row = CarryOverRow("H77", "P770", "401307", "401005", date(2026, 4, 10), ("2025-06", "2025-09", "2026-01"))
    _put(world, "kg.txt", build_file("KOGAKU", "KG-401307-202604", [row], "401307", "401005", AT))
    (out,) = _intake(world)
    assert out["status"] == "applied"
    assert carried_over_months("P770") == ["2025-06", "2025-09", "2026-01"]  # under the householder
    assert CarryOverModel.get("PERSON#P770", "KOGAKU#2025-09").from_municipality == "401307"


def _raw_file(kind: str, file_id: str, d_lines: list[str]) -> bytes:
    """A file framed by hand (build_file refuses to write what intake would refuse)."""
    body = "".join(f"{line}\n" for line in d_lines)
    return (f"H,{kind},1,{file_id},2026-05-01T06:00:00+09:00,福岡県国民健康保険団体連合会,401005\n{body}"
            f"T,{len(d_lines)},{hashlib.sha256(body.encode()).hexdigest()}\n").encode()


def test_the_same_person_and_period_twice_is_refused_naming_both_lines(world: World) -> None:
    before = _federation_items(world)
    _put(world, "qc-twice.txt", _raw_file("QUALCONT", "QC-FED-20260510", [
        "D,1,P510,H51,FK0510,401000,2020-04-01,move_in,,",
        "D,2,P520,H52,FK0520,401000,2021-04-01,birth,,",
        "D,3,P510,H51,FK0510,401000,2020-04-01,move_in,2026-05-01,move_out",  # last would win
    ]))
    _put(world, "kg-twice.txt", _raw_file("KOGAKU", "KG-401307-202605", [
        "D,1,H78,P780,401307,401005,2026-04-10,2025-06;2025-09",
        "D,2,H78,P780,401307,401005,2026-04-10,2025-09",
    ]))
    outs = {o["key"]: o for o in _intake(world)}
    assert outs["incoming/qc-twice.txt"]["status"] == "rejected"
    assert outs["incoming/qc-twice.txt"]["errors"] == [
        "line 4, field acquired_on: same person and period (person_id, acquired_on) as line 2"]
    assert outs["incoming/kg-twice.txt"]["errors"] == [
        "line 3, field benefit_months: same householder and month as line 2"]
    assert _federation_items(world) == before


def test_a_crashing_file_fails_alone_and_the_rest_go_on(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from kokuho.linkage import federation

    # the fault enters through the store port of the wired adapter (the handler runs in-process)
    store = federation.wired_store()
    real = store.applied

    def crash_on_one(file_id: str) -> Any:
        if file_id == "QC-FED-20260511":
            raise RuntimeError("disk on fire")
        return real(file_id)

    monkeypatch.setattr(store, "applied", crash_on_one)
    _put(world, "a-crash.txt", _continuity("QC-FED-20260511", person="P511"))
    _put(world, "b-fine.txt", _continuity("QC-FED-20260512", person="P512"))
    outs = {o["key"]: o for o in _intake(world)}
    assert outs["incoming/a-crash.txt"] == {"key": "incoming/a-crash.txt", "status": "failed",
                                            "error": "RuntimeError"}
    assert outs["incoming/b-fine.txt"]["status"] == "applied"
    assert _keys(world, "incoming/") == ["incoming/a-crash.txt"]  # kept for the next run
    monkeypatch.undo()
    (again,) = _intake(world)  # the operator's rerun (or tomorrow's run) takes it
    assert (again["key"], again["status"]) == ("incoming/a-crash.txt", "applied")
    assert ContinuityModel.get("PERSON#P511", "CONT#2020-04-01").file_id == "QC-FED-20260511"


def test_a_crash_before_the_applied_marker_does_not_duplicate_the_access_record(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from kokuho.access.records import records_of_chain
    from kokuho.linkage import federation

    data = _continuity("QC-FED-20260513", person="P513")

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the Lambda timed out before the marker")

    monkeypatch.setattr(federation.wired_store(), "mark_applied", crash)
    with pytest.raises(RuntimeError, match="marker"):
        federation.apply_file(data, "incoming/qc-0513.txt")
    monkeypatch.undo()
    assert federation.apply_file(data, "incoming/qc-0513.txt").status == "applied"
    assert federation.apply_file(data, "incoming/qc-0513.txt").status == "duplicate"
    records = [r for r in records_of_chain("FILE#QC-FED-20260513") if r.category == "federation_qualcont"]
    assert [sorted(r.subject_ids) for r in records] == [["P200", "P513"]]


class FakeSource:
    """A QualificationSource double (the protocol outgoing files are generated from)."""

    def continuity_rows(self, day: date) -> Iterable[ContinuityRow]:
        return [ContinuityRow("P100", "H10", "401000", date(2026, 4, 30), "left_employee_insurance")]

    def carry_over_rows(self, month: str) -> Iterable[CarryOverRow]:
        return [CarryOverRow("H10", "P100", "401005", "401307", date(2026, 4, 20), ("2026-02",))]


def test_outgoing_files_are_written_in_the_layout(world: World) -> None:
    s3, bucket = world.aws.client("s3"), world.aws.bucket_name("exchange")
    # (a day of its own: the module's world keeps its files, and a file is written once — the workflow's test below
    # writes 2026-04-30's from the qualification file)
    q = export_qualification(FakeSource(), date(2026, 4, 29), s3, bucket)
    k = export_carry_over(FakeSource(), "2026-04", s3, bucket)
    assert q["key"] == "outgoing/QC-401005-20260429.txt" and q["records"] == 1
    # each written with the record of whose data it holds (a legal hold reaches it: docs/retention.md), under
    # subjects/: the federation's sweep of outgoing/ finds its files only
    listed = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="outgoing/")["Contents"]}
    assert {q["key"], k["key"]} <= listed and all(key.endswith(".txt") for key in listed), listed
    for out in (q, k):
        record = json.loads(s3.get_object(Bucket=bucket, Key=f"subjects/{out['key']}.json")["Body"].read())
        assert record["file"] == out["key"] and "P100" in record["subjects"]
    parsed = parse_file(s3.get_object(Bucket=bucket, Key=k["key"])["Body"].read())
    assert parsed.kind == "KOGAKU" and parsed.records[0]["to_municipality"] == "401307"


def test_a_carry_over_file_named_by_the_federation_is_written_whatever_its_month(world: World) -> None:
    """KG-<municipality>-<YYYYMM> is the federation's file name (kept as it fixes it): "401005-202404" is twelve
    digits in two groups, a valid check digit one month in ten. It is an identifier built from a code and a month,
    so the places it reaches judge it by kokuho.identity.mynumber.identifier_holds_my_number — the access record's
    chain (FILE#KG-…), the codec's file_id — and the export is written and recorded like any other month's."""
    from kokuho.identity.mynumber import contains_my_number, identifier_holds_my_number

    s3, bucket = world.aws.client("s3"), world.aws.bucket_name("exchange")
    k = export_carry_over(FakeSource(), "2024-04", s3, bucket)
    assert contains_my_number(k["file_id"]) and not identifier_holds_my_number(f"FILE#{k['file_id']}")
    parsed = parse_file(s3.get_object(Bucket=bucket, Key=k["key"])["Body"].read())
    assert parsed.file_id == k["file_id"] and len(parsed.records) == 1


def test_export_workflow_from_the_qualification_file(world: World) -> None:
    from kokuho.qualification.history import Period
    from kokuho.qualification.model import Person
    from kokuho.qualification.reasons import Reason
    from kokuho.records.qualification import HistoryModel, from_person

    person = Person("Q500", "10000000500", "HQ5", "北九 太郎", "キタキュウ タロウ", date(1980, 5, 5), "1", "世帯主",
                    "8028501", "北九州市小倉北区城内1-1",
                    periods=(Period(date(2026, 4, 30), Reason.LEFT_EMPLOYEE_INSURANCE),))
    from_person(person, updated_at="2026-04-30T10:00:00+00:00", updated_by="S0100").save()
    HistoryModel("PERSON#Q500", "HIST#000001#00", seq=1, kind="acquire", effective_on="2026-04-30",
                 recorded_at="2026-04-30T10:00:00+00:00", recorded_by="S0100", terminal_id="T1").save()
    out = world.aws.run_state_machine("linkage-federation-exchange", {"kind": "QUALCONT", "day": "2026-04-30"},
                                      name=f"fx-{secrets.token_hex(4)}", timeout_s=120)
    data = world.aws.client("s3").get_object(Bucket=world.aws.bucket_name("exchange"), Key=out["key"])["Body"]
    parsed = parse_file(data.read())
    assert parsed.file_id == "QC-401005-20260430"
    assert [(r["person_id"], r["household_id"], r["acquired_on"], r["acquire_reason"]) for r in parsed.records] == [
        ("Q500", "HQ5", "2026-04-30", "left_employee_insurance")]


@pytest.mark.parametrize("kind,field", [("QUALCONT", "day"), ("KOGAKU", "month")])
def test_an_export_of_a_period_not_yet_ended_is_refused_and_writes_no_file(world: World, kind: str,
                                                                          field: str) -> None:
    """Probe (files): the 国保連合会's files have fixed names (QC-<city>-<day>, KG-<city>-<month>) and are written once
    (a file of that name with other content is refused). An export asked for today, or for this month (or a day or
    month to come), was written with what the period held so far: the scheduled export of that period, once it
    ended, held more and was refused — the continuity changes and the 高額該当 carry-overs after the early run never
    reached the federation. A period is exported once it has ended."""
    from datetime import timedelta

    from kokuho.dates.tokyo import today_jst
    from kokuho_local.embedded import ExecutionFailed

    today = today_jst()
    for when in (today, today + timedelta(days=40)):  # this day or month, and one to come
        value = when.isoformat() if field == "day" else when.strftime("%Y-%m")
        arn = world.aws.start_state_machine("linkage-federation-exchange", {"kind": kind, field: value},
                                            name=f"fx-{secrets.token_hex(4)}")
        with pytest.raises(ExecutionFailed) as info:
            world.aws.wait_execution(arn, timeout_s=60)
        assert info.value.error == "InputRefused" and f"{field}: " in (info.value.cause or "")
        name = f"QC-401005-{when:%Y%m%d}" if kind == "QUALCONT" else f"KG-401005-{when:%Y%m}"
        assert not [k for k in _keys(world, "outgoing/") if name in k]


# --- in-city transfers -----------------------------------------------------------------------------

CARE = "保健福祉局介護保険課"
LEVY = "保険料賦課情報"
OFFICER = Actor(staff_id="system:monthly-assessment", terminal_id="stepfunctions", purpose="保険料賦課")
APPROVER = Actor(staff_id="K900", terminal_id="T-KAIGO-01", purpose="データ利用申請の承認")


def _grant_approvers() -> None:
    """The approver and the applicant hold the approval grant (the applicant still may not approve their own)."""
    for staff_id in ("K900", "K001"):
        _grant(staff_id)


def _grant(staff_id: str) -> None:
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff

    put_staff(StaffMember(staff_id, "承認 太郎", "保健福祉局介護保険課", date(2020, 4, 1), None))
    put_grant(Grant(staff_id, "G-APP-APPROVE", "approve_transfer_application", "データ利用申請の承認",
                    "個人情報保護法第69条", "保健福祉局介護保険課", date(2020, 4, 1), date(2099, 3, 31), "S9001",
                    "2020-04-01T09:00:00+09:00"))


def _application(app_id: str, **over: Any) -> Application:
    _grant_approvers()
    base: dict[str, Any] = dict(application_id=app_id, department=CARE, information_kind=LEVY, applicant="K001",
                                purpose="保険料の特別徴収に関する事務", legal_basis="番号法第9条第2項",
                                valid_from=date(2020, 4, 1), valid_until=date(2099, 3, 31))
    base.update(over)
    return submit_application(Application(**base))


def test_transfer_under_an_approved_application_is_recorded(world: World) -> None:
    _application("APP-CARE-1")
    with pytest.raises(TransferRefused, match="not approved"):
        record_transfer(CARE, LEVY, 120, "APP-CARE-1", OFFICER)
    with pytest.raises(ApplicationRejected):
        approve_application("APP-CARE-1", Actor("K001", "T", "self"))  # applicant cannot approve
    approve_application("APP-CARE-1", APPROVER)
    rec = record_transfer(CARE, LEVY, 120, "APP-CARE-1", OFFICER)
    assert (rec.department, rec.information_kind, rec.subject_count) == (CARE, LEVY, 120)
    log = [t for t in transfers_to(CARE) if t["application_id"] == "APP-CARE-1"]
    assert [t["outcome"] for t in log] == ["refused", "transferred"]
    assert log[0]["reason"] == "application is not approved"


@pytest.fixture(scope="module")
def care_application(world: World) -> str:
    _application("APP-CARE-2")
    approve_application("APP-CARE-2", APPROVER)
    return "APP-CARE-2"


@pytest.mark.parametrize("department, kind, app_id, reason", [
    (CARE, "国民健康保険給付関係情報", "APP-CARE-2", "information kind is not the one listed for this department"),
    ("総務局総務課", LEVY, "APP-CARE-2", "department is not a transfer recipient"),
    (CARE, LEVY, None, "no data-use application"),
    (CARE, LEVY, "APP-NONE", "no data-use application"),
    ("保健福祉局保護課", "国民健康保険給付関係情報", "APP-CARE-2",
     "application is for another department or information kind"),
])
def test_transfers_outside_the_matrix_or_without_application_are_refused_and_recorded(
        care_application: str, department: str, kind: str, app_id: str | None, reason: str) -> None:
    before = len(transfers_to(department))
    with pytest.raises(TransferRefused) as e:
        record_transfer(department, kind, 10, app_id, OFFICER)
    assert e.value.reason == reason
    log = transfers_to(department)
    assert len(log) == before + 1 and (log[-1]["outcome"], log[-1]["reason"]) == ("refused", reason)


def test_a_revoked_or_expired_application_stops_transfers(world: World) -> None:
    _application("APP-CARE-3", valid_until=date(2026, 3, 31))
    approve_application("APP-CARE-3", APPROVER)
    with pytest.raises(TransferRefused, match="not valid today"):
        record_transfer(CARE, LEVY, 1, "APP-CARE-3", OFFICER, today=date(2026, 4, 1))
    assert record_transfer(CARE, LEVY, 1, "APP-CARE-3", OFFICER, today=date(2026, 3, 31)).subject_count == 1
    revoke_application("APP-CARE-3")
    with pytest.raises(TransferRefused, match="not approved"):
        record_transfer(CARE, LEVY, 1, "APP-CARE-3", OFFICER, today=date(2026, 3, 31))


def test_an_application_outside_the_matrix_is_not_accepted(world: World) -> None:
    with pytest.raises(ApplicationRejected, match="not in the transfer matrix"):
        _application("APP-X", department="総務局総務課")
