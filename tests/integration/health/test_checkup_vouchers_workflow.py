"""特定健診受診券 on the embedded AWS (issue 13 item 8): the year's run (the state machine CDK deploys) gives every
person insured on the day of issue and 40–74 in the fiscal year one voucher, numbered, recorded, never twice; the
attendance file delivered to the exchange bucket marks vouchers used — validated whole, a bad file refused naming
line and field with nothing changed, a re-delivery changing nothing — and the 受診率 per ward and age band is made."""

from __future__ import annotations

import json
import secrets
from datetime import date

import pytest

from kokuho.access.records import records_by_staff
from kokuho.intake.framing import build_file
from kokuho.platform.tables import BUCKETS_BY_LOGICAL
from kokuho.qualification.history import Period
from kokuho.qualification.model import Person
from kokuho.qualification.reasons import Reason
from kokuho.records.health import DynamoHealthStore
from kokuho.records.qualification import from_person
from kokuho_local.embedded import EmbeddedAWS

STAFF = "system:checkup-voucher-run"


def _person(pid: str, birth: date, *, until: date | None = None, ward: str = "戸畑区") -> None:
    person = Person(person_id=pid, resident_code=f"10{pid[1:]:0>6}", household_id=f"H{pid}", name_kanji="北九 太郎",
                    name_kana="キタキュウ タロウ", birth_date=birth, sex="1", relationship="世帯主",
                    postal_code="804-8510", address=f"福岡県北九州市{ward}千防1-1-1",
                    periods=(Period(date(2020, 4, 1), Reason.MOVE_IN, until,
                                    Reason.LATE_ELDERLY if until else None),))
    from_person(person, updated_at="2026-04-01T00:00:00+09:00", updated_by="test").save()


def _city() -> None:
    _person("P1", date(1970, 5, 1))
    _person("P2", date(1990, 5, 1))  # 36: too young
    _person("P3", date(1987, 4, 1), ward="小倉北区")  # reaches 40 on 31 March 2027: in the year
    _person("P4", date(1951, 4, 2), until=date(2026, 4, 2))  # 75 on 2 April: not insured on the day of issue
    _person("P5", date(1987, 4, 2))  # reaches 40 on 1 April 2027: the next year's


def _deliver(aws: EmbeddedAWS, key: str, data: bytes) -> dict[str, object]:
    bucket = BUCKETS_BY_LOGICAL["exchange"].name()
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=data)
    out: dict[str, object] = aws.run_state_machine("health-attendance-intake", {}, name=f"a-{secrets.token_hex(4)}")
    return out


def _on(monkeypatch: pytest.MonkeyPatch, today: date) -> None:
    import sys
    from pathlib import Path

    from kokuho_local.local_lambda import resolve_handler

    resolve_handler("health.vouchers.issue_year", Path(__file__).resolve().parents[3] / "functions")
    monkeypatch.setattr(sys.modules["health.vouchers"], "today_jst", lambda: today)


def test_the_years_run_issues_once_and_the_attendance_file_marks_vouchers_used(
        aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdfium2 as pdfium

    from kokuho.records.notice_files import read_manifest

    _city()
    _on(monkeypatch, date(2026, 4, 15))
    out = aws.run_state_machine("health-checkup-vouchers", {}, name=f"v-{secrets.token_hex(4)}")
    assert (out["eligible"], out["issued"], out["already_held"], out["source"]) == (2, 2, 0, "april")
    manifest = read_manifest("JSK-FY2026-D20260415", aws.client("s3"))
    assert manifest is not None and manifest["notices"] == 2 and out["printed"]["notices"] == 2
    part = aws.client("s3").get_object(Bucket=BUCKETS_BY_LOGICAL["work"].name(),
                                       Key=manifest["parts"][0]["key"])["Body"].read()
    doc = pdfium.PdfDocument(part)
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    assert "特定健康診査受診券" in text and "20260000001" in text and "20260000002" in text and "500円" in text
    store = DynamoHealthStore()
    held = store.vouchers(2026, ["P1", "P2", "P3", "P4", "P5"])
    assert sorted(held) == ["P1", "P3"]
    assert sorted(v.number for v in held.values()) == ["20260000001", "20260000002"]
    v1 = held["P1"]
    assert (v1.valid_from, v1.valid_until, v1.copay, v1.source) == (date(2026, 4, 15), date(2027, 3, 31), 500, "april")
    writes = [(r.category, sorted(r.subject_ids)) for r in records_by_staff(STAFF) if r.operation == "write"]
    assert writes == [("保健事業", ["P1", "P3"]), ("通知書", ["P1", "P3"])]  # the vouchers, then their print
    assert any(r.category == "資格情報" and r.operation == "read" for r in records_by_staff(STAFF))

    again = aws.run_state_machine("health-checkup-vouchers", {"fiscal_year": 2026}, name=f"v-{secrets.token_hex(4)}")
    assert (again["issued"], again["already_held"], again["printed"]) == (0, 2, None)  # a catch-up by hand
    assert store.vouchers_of_year(2026) == sorted(held.values(), key=lambda v: v.number)

    line = {"voucher_number": v1.number, "person_id": "P1", "checked_on": "2026-06-01",
            "institution_code": "4010123456"}
    bad = build_file([line, {**line, "voucher_number": "20260000009", "person_id": "P3"}])
    out = _deliver(aws, "health/incoming/2026-06-bad.jsonl", bad)
    assert out["refused"] == ["health/incoming/2026-06-bad.jsonl"] and out["marked"] == 0
    assert store.vouchers(2026, ["P1"])["P1"].used_on is None  # nothing half-applied
    bucket = BUCKETS_BY_LOGICAL["exchange"].name()
    reason = json.loads(aws.client("s3").get_object(
        Bucket=bucket, Key="rejected/health/2026-06-bad.jsonl.reason.json")["Body"].read())
    assert reason["errors"][0] == {"line": 2, "field": "voucher_number",
                                   "message": "no such voucher of this person for the year of the check-up"}

    good = build_file([line])
    out = _deliver(aws, "health/incoming/2026-06.jsonl", good)
    assert (out["accepted"], out["marked"]) == (1, 1)
    assert store.vouchers(2026, ["P1"])["P1"].used_on == date(2026, 6, 1)
    keys = [o["Key"] for o in aws.client("s3").list_objects_v2(Bucket=bucket)["Contents"]]
    assert "processed/health/2026-06.jsonl" in keys and not any(k.startswith("health/incoming/") for k in keys)
    rates = store.rates(2026)
    assert rates is not None and rates["total"] == {"issued": 2, "used": 1, "rate": "50.0"}
    # one person a cell: small cells, withheld (the city's total above stays exact)
    assert {(r["ward"], r["age_band"], r["issued"], r["used"], r["rate"]) for r in rates["rows"]} == {
        ("戸畑区", "55-59", None, None, None), ("小倉北区", "40-44", None, None, None)}
    assert rates["small_cells"]["threshold"] == 10

    resent = _deliver(aws, "health/incoming/2026-06-resent.jsonl", good)
    assert (resent["accepted"], resent["duplicates"], resent["marked"]) == (1, 1, 0)  # the same bytes: once
    assert store.vouchers(2026, ["P1"])["P1"].used_on == date(2026, 6, 1)


@pytest.mark.parametrize(("today", "issued"), [(date(2026, 4, 14), 0), (date(2026, 4, 15), 2)])
def test_the_daily_start_issues_on_the_years_day_of_issue_only(aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch,
                                                               today: date, issued: int) -> None:
    _on(monkeypatch, today)
    _city()
    out = aws.invoke("health-checkup-vouchers", {})
    assert (out["fiscal_year"], out["issued"]) == (2026, issued)
    assert len(DynamoHealthStore().vouchers_of_year(2026)) == issued


@pytest.mark.parametrize(("given", "named"), [
    ({"key": "outgoing/QUALCONT/file.csv"}, "key: must name a file under health/incoming/"),
    ({"key": "health/incoming/../../outgoing/x.csv"}, "key: must name a file under health/incoming/"),
    ({"bucket": "another-bucket"}, "bucket: unknown field"),
    ({"kye": "health/incoming/a.csv"}, "kye: unknown field")])
def test_the_attendance_runs_input_names_one_delivered_file_or_nothing(aws: EmbeddedAWS, given: dict[str, str],
                                                                         named: str) -> None:
    """Auditor's probe: the run's input named the bucket and the key it read, unchecked — any bucket the role could
    read, and any key, outgoing/ or processed/ included, taken in as an attendance file; a misspelt field was
    ignored and every delivered file taken. The input now names at most one key under health/incoming/; anything
    else fails the run at once (InputRefused), nothing read or moved."""
    from kokuho_local.embedded import ExecutionFailed

    bucket = BUCKETS_BY_LOGICAL["exchange"].name()
    aws.client("s3").put_object(Bucket=bucket, Key="outgoing/QUALCONT/file.csv", Body=b"x")
    aws.client("s3").put_object(Bucket=bucket, Key="health/incoming/waiting.csv", Body=b"x")
    with pytest.raises(ExecutionFailed) as info:
        aws.run_state_machine("health-attendance-intake", given, name=f"a-{secrets.token_hex(4)}", timeout_s=30)
    assert info.value.error == "InputRefused" and named in (info.value.cause or "")
    keys = {o["Key"] for o in aws.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert {"outgoing/QUALCONT/file.csv", "health/incoming/waiting.csv"} <= keys


def test_the_key_given_is_the_only_file_taken(aws: EmbeddedAWS) -> None:
    bucket = BUCKETS_BY_LOGICAL["exchange"].name()
    for name in ("a.csv", "b.csv"):
        aws.client("s3").put_object(Bucket=bucket, Key=f"health/incoming/{name}", Body=b"not a file")
    out = aws.run_state_machine("health-attendance-intake", {"key": "health/incoming/b.csv"},
                                name=f"a-{secrets.token_hex(4)}", timeout_s=30)
    keys = {o["Key"] for o in aws.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert out["accepted"] is False and "health/incoming/a.csv" in keys and "health/incoming/b.csv" not in keys
