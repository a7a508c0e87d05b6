"""The 医療費通知 print run on the embedded AWS (issue 13 item 7): the state machine CDK deploys runs the real Lambda,
which prints one notice per person with a receipt of the round's service months — per month, provider and setting,
the total cost and copay — addressed to the 送付先, in parts into the work bucket with the print manifest; a person
who opted out gets none; each part leaves its access record (the person), the receipts and the addresses read are
recorded; run again for the same round, the same parts and no second record of them; on a day that is no round's
day of issue, nothing."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

import pypdfium2 as pdfium
import pytest

from kokuho.access.records import Actor, records_by_staff
from kokuho.benefits.receipt_ports import MonthWrite, StoredReceipt
from kokuho.health.ports import OptOut
from kokuho.platform.tables import BUCKETS_BY_LOGICAL
from kokuho.qualification.history import Period
from kokuho.qualification.model import Mailing, Person
from kokuho.qualification.reasons import Reason
from kokuho.records.health import DynamoHealthStore
from kokuho.records.notice_files import read_manifest
from kokuho.records.qualification import from_person
from kokuho.records.receipts import DynamoReceiptStore
from kokuho_local.embedded import EmbeddedAWS

STAFF = "system:medical-cost-notice-run"
CLERK = Actor(staff_id="S1030", terminal_id="T-1", purpose="test")
PRINT_ID = "IRY-2026-1-20260915"


def _person(k: int, *, mailing: Mailing | None = None) -> None:
    person = Person(person_id=f"P{k}", resident_code=f"1000000{k}", household_id=f"H{k}", name_kanji=f"北九 太郎{k}",
                    name_kana="キタキュウ タロウ", birth_date=date(1970, 1, 1), sex="1", relationship="世帯主",
                    postal_code="804-8510", address=f"福岡県北九州市戸畑区千防{k}-1-1", mailing=mailing,
                    periods=(Period(date(2020, 4, 1), Reason.MOVE_IN),))
    from_person(person, updated_at="2026-04-01T00:00:00+09:00", updated_by="test").save()


def _receipts(rows: list[tuple[str, tuple[int, int], str, int, int]]) -> None:
    writes: dict[tuple[str, tuple[int, int]], MonthWrite] = {}
    for line, (person, month, provider, points, copay) in enumerate(rows, 1):
        w = writes.setdefault((person, month), MonthWrite(person, month))
        w.receipts.append(StoredReceipt(provider, "outpatient", points, points * 10, copay, "f" * 64, line))
    DynamoReceiptStore().apply(list(writes.values()), [], actor=CLERK, chain="TEST")


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def test_a_round_prints_each_persons_costs_in_parts_with_its_manifest_and_records(aws: EmbeddedAWS) -> None:
    _person(1)
    _person(2, mailing=Mailing(name="北九 花子 (送付先)", postal_code="802-0001",
                               address="福岡県北九州市小倉北区浅野1-1"))
    _person(3)
    _person(4)
    _receipts([("P1", (2026, 2), "4010123456", 1234, 3702), ("P1", (2026, 2), "4030123457", 860, 2580),
               ("P2", (2026, 6), "4010765432", 52000, 156000),
               ("P3", (2026, 7), "4010234567", 500, 1500),  # the next round's month: P3 gets no notice now
               ("P4", (2026, 3), "4010234567", 700, 2100),  # P4 opted out
               ("P9", (2026, 3), "4010234567", 700, 2100)])  # not on the qualification file: counted
    DynamoHealthStore().put_opt_out(OptOut("P4", True, date(2026, 5, 1), "S1030"), actor=CLERK, chain="TEST")
    event = {"fiscal_year": 2026, "round": 1, "per_part": 1}

    out = aws.run_state_machine("health-medical-cost-notices", event, name=f"i-{secrets.token_hex(4)}")
    assert (out["print_id"], out["notices"], out["parts"], out["opted_out"], out["unaddressed"]) == (
        PRINT_ID, 2, 2, 1, 1)
    manifest = read_manifest(PRINT_ID, aws.client("s3"))
    assert manifest is not None
    bucket = BUCKETS_BY_LOGICAL["work"].name()
    texts = []
    for part in manifest["parts"]:
        data = aws.client("s3").get_object(Bucket=bucket, Key=part["key"])["Body"].read()
        assert hashlib.sha256(data).hexdigest() == part["sha256"] and len(pdfium.PdfDocument(data)) == part["pages"]
        texts.append(_text(data))
    assert "北九 太郎1" in texts[0] and "北九州中央病院" in texts[0] and "戸畑あおば歯科医院" in texts[0]
    assert "20,940円" in texts[0] and "6,282円" in texts[0]  # the round's totals of P1
    assert "北九 花子 (送付先)" in texts[1] and "小倉北内科クリニック" in texts[1] and "156,000円" in texts[1]

    writes = sorted((r.chain, sorted(r.subject_ids)) for r in records_by_staff(STAFF) if r.operation == "write")
    assert writes == [(f"NOTICES#{PRINT_ID}#part-0001", ["P1"]), (f"NOTICES#{PRINT_ID}#part-0002", ["P2"])]
    reads = {(r.category, tuple(sorted(r.subject_ids))) for r in records_by_staff(STAFF) if r.operation == "read"}
    assert ("レセプト情報", ("P1", "P2", "P9")) in reads and ("資格情報", ("P1", "P2", "P9")) in reads
    assert ("保健事業", ("P4",)) in reads  # the opt-out read

    again = aws.run_state_machine("health-medical-cost-notices", event, name=f"i-{secrets.token_hex(4)}")
    assert read_manifest(PRINT_ID, aws.client("s3")) == manifest and again["pages"] == out["pages"]
    assert len([r for r in records_by_staff(STAFF) if r.operation == "write"]) == 2


@pytest.mark.parametrize(("today", "print_id"), [(date(2026, 9, 14), None), (date(2026, 9, 15), PRINT_ID)])
def test_the_daily_start_prints_only_on_a_rounds_day_of_issue(aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch,
                                                              today: date, print_id: str | None) -> None:
    import sys
    from pathlib import Path

    from kokuho_local.local_lambda import resolve_handler

    resolve_handler("health.medical_cost_notices.handler", Path(__file__).resolve().parents[3] / "functions")
    monkeypatch.setattr(sys.modules["health.medical_cost_notices"], "today_jst", lambda: today)
    _person(1)
    _receipts([("P1", (2026, 2), "4010123456", 1234, 3702)])
    out = aws.invoke("health-medical-cost-notices", {})
    assert (out["print_id"], out["notices"]) == (print_id, 1 if print_id else 0)


@pytest.mark.parametrize(("event", "reason"), [
    ({"fiscal_year": "2026", "round": 1}, "fiscal_year: must be an integer"),
    ({"fiscal_year": 2026, "round": 3}, "round: must be an integer"),
    ({"fiscal_year": 2026}, "round: fiscal_year and round go together"),
    ({"fiscal_year": 2099, "round": 1}, "fiscal_year: no 医療費通知 rounds"),
    ({"year": 2026}, "year: unknown field"),
])
def test_bad_input_is_refused_with_its_reason(aws: EmbeddedAWS, event: dict[str, object], reason: str) -> None:
    # InputRefused, every one: the error type the workflows never retry (a ValueError is a fault's type)
    with pytest.raises(RuntimeError, match=f"InputRefused: {reason}"):
        aws.invoke("health-medical-cost-notices", event)
    assert read_manifest(PRINT_ID, aws.client("s3")) is None
