"""The 決定通知書 and 変更通知書 printed by a workflow (issue 12 item 8) on the embedded AWS: after the annual run the
state machine CDK deploys (`collection-notices`, `{"notices": "assessment"}`) prints a 決定通知書 for every
household the run assessed, in parts (one task a part) with the print manifest; after a monthly 更正 it prints a
変更通知書 for each household whose premium changed — the change in words from the premium engine's explanation —
addressed to the 送付先; a rerun prints nothing new and records nothing twice."""

from __future__ import annotations

import copy
import hashlib
import itertools
import secrets
from datetime import UTC, date, datetime
from typing import Any

import pypdfium2 as pdfium
import pytest
from notice_pages import assert_pages_printable

from kokuho.access.records import records_by_staff
from kokuho.assessment.household_cases import put_household_case, put_household_cases
from kokuho.platform.tables import BUCKETS_BY_LOGICAL
from kokuho.premium import compute_case
from kokuho.qualification.model import Mailing, Person
from kokuho.records.notice_files import read_manifest
from kokuho.records.qualification import from_person
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.synthetic import generate_city

FY = 2024
CITY = generate_city(3, seed=11, fiscal_year=FY)
ANNUAL, MONTHLY = f"annual-{FY}-{FY}-06", f"monthly-{FY}-{FY}-10"


def _payers() -> None:
    for k, h in enumerate(CITY.households, 1):
        pid = h.case["household"]["householder_id"]
        mailing = Mailing(name=f"北九 花子{k} (送付先)", postal_code="802-0001",
                          address="福岡県北九州市小倉北区浅野1-1") if k == 2 else None
        from_person(Person(person_id=pid, resident_code=f"1000000{k}", household_id=h.household_id,
                           name_kanji=f"北九 太郎{k}", name_kana="キタキュウ タロウ", birth_date=date(1969, 11, 29),
                           sex="1", relationship="世帯主", postal_code="804-8510",
                           address=f"福岡県北九州市戸畑区千防{k}-1-1", mailing=mailing),
                    updated_at="2024-04-01T00:00:00+09:00", updated_by="test").save()


PASSES = itertools.count(1)


def _assess(aws: EmbeddedAWS, mode: str, month: str) -> dict[str, Any]:
    # a name of few digits: a run id is checked for what reads as a My Number (a random hex tail could)
    return dict(aws.run_state_machine("monthly-assessment", {
        "mode": mode, "fiscal_year": FY, "as_of_month": month, "batch_size": 2},
        name=f"{mode}-{month}-pass{next(PASSES)}"))


def _print(aws: EmbeddedAWS, run: str, issued_on: str, per_part: int = 2) -> dict[str, Any]:
    return dict(aws.run_state_machine("collection-notices", {
        "notices": "assessment", "assessment_run": run, "issued_on": issued_on, "per_part": per_part},
        name=f"n-{secrets.token_hex(4)}"))


def _objects(aws: EmbeddedAWS, print_id: str) -> dict[str, str]:
    s3, bucket = aws.client("s3"), BUCKETS_BY_LOGICAL["work"].name()
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"notices/{print_id}/").get("Contents", [])
    return {o["Key"]: o["ETag"] for o in listed}


def _pdfs(aws: EmbeddedAWS, print_id: str) -> list[bytes]:
    manifest = read_manifest(print_id, aws.client("s3"))
    assert manifest is not None
    out = []
    for part in manifest["parts"]:
        data = aws.client("s3").get_object(Bucket=BUCKETS_BY_LOGICAL["work"].name(), Key=part["key"])["Body"].read()
        assert hashlib.sha256(data).hexdigest() == part["sha256"] and len(pdfium.PdfDocument(data)) == part["pages"]
        out.append(data)
    return out


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))).replace("\r\n", "")


def _writes() -> list[tuple[str, list[str]]]:
    return sorted((r.chain, sorted(r.subject_ids)) for r in records_by_staff("system:notice-run")
                  if r.operation == "write")


def test_decision_notices_after_the_annual_run_and_change_notices_after_a_correction(aws: EmbeddedAWS) -> None:
    _payers()
    put_household_cases(((h.household_id, h.case) for h in CITY.households), changed_at=datetime.now(UTC))
    _assess(aws, "annual", f"{FY}-06")

    out = _print(aws, ANNUAL, "2024-06-15")
    print_id = f"FUKA-{ANNUAL}"
    assert (out["print_id"], out["notices"], out["parts"], out["kinds"]) == (print_id, 3, 2, {"決定通知書": 3,
                                                                                             "変更通知書": 0})
    assert out["left_out"] == {"no_notice": 0, "unaddressed": 0, "unexplained": 0}
    texts = [_text(pdf) for pdf in _pdfs(aws, print_id)]
    for pdf in _pdfs(aws, print_id):
        assert_pages_printable(pdf, min_chars=200)
    text = "".join(texts)
    for h in CITY.households:
        annual = compute_case(h.case)["annual"]
        assert f"{annual:,}円" in text and "決定通知書" in text
    assert "北九 太郎1" in text and "北九 花子2 (送付先)" in text and "802-0001" in text
    assert "令和6年6月15日" in text and "2024" in text and "軽減判定日" in text  # the engine's explanation
    # each part recorded once, before it was put, naming its households and payers
    payers = [h.case["household"]["householder_id"] for h in CITY.households]
    households = [h.household_id for h in CITY.households]
    assert _writes() == [(f"NOTICES#{print_id}#part-0001", sorted(households[:2] + payers[:2])),
                         (f"NOTICES#{print_id}#part-0002", sorted(households[2:] + payers[2:]))]

    # Run again (a second execution, or a retry): nothing printed again, nothing recorded again.
    before, manifest = _objects(aws, print_id), read_manifest(print_id, aws.client("s3"))
    again = _print(aws, ANNUAL, "2024-06-20")
    assert (again["notices"], again["pages"]) == (out["notices"], out["pages"])
    assert _objects(aws, print_id) == before and read_manifest(print_id, aws.client("s3")) == manifest
    assert len(_writes()) == 2

    # A 更正 in October: the first household's income falls; the second's case is unchanged.
    first = CITY.households[0]
    lower = copy.deepcopy(first.case)
    lower["household"]["members"][0]["income"]["total"] = 1_000_000
    put_household_case(first.household_id, lower, changed_at=datetime.now(UTC))
    old, new = compute_case(first.case)["annual"], compute_case(lower)["annual"]
    assert new < old
    _assess(aws, "monthly", f"{FY}-10")
    changed = _print(aws, MONTHLY, "2024-10-15")
    assert (changed["notices"], changed["parts"], changed["kinds"]) == (1, 1, {"決定通知書": 0, "変更通知書": 1})
    [pdf] = _pdfs(aws, f"FUKA-{MONTHLY}")
    assert_pages_printable(pdf, min_chars=200)
    text = _text(pdf)
    assert "変更通知書" in text and "北九 太郎1" in text and "令和6年10月15日" in text
    assert f"{old:,}円 → {new:,}円" in text and f"{old - new:,}円の減額" in text  # old and new, in words
    assert "変更理由" in text and "所得の更正" in text  # why, and the engine's explanation of each part:
    assert "判定所得 1,000,000円" in text and "(所得割+均等割+平等割) の合計" in text
    assert "北九 太郎2" not in text


def test_a_version_whose_case_changed_since_is_left_out_and_counted(aws: EmbeddedAWS) -> None:
    _payers()
    put_household_cases(((h.household_id, h.case) for h in CITY.households), changed_at=datetime.now(UTC))
    _assess(aws, "annual", f"{FY}-06")
    moved = copy.deepcopy(CITY.households[1].case)
    moved["household"]["members"][0]["income"]["total"] = 123_000
    put_household_case(CITY.households[1].household_id, moved, changed_at=datetime.now(UTC))
    out = _print(aws, ANNUAL, "2024-06-15", per_part=5)
    assert (out["notices"], out["left_out"]["unexplained"]) == (2, 1)
    assert "北九 太郎2" not in _text(_pdfs(aws, f"FUKA-{ANNUAL}")[0])


@pytest.mark.parametrize(("event", "reason"), [
    ({"assessment_run": "annual-2024-2024-07"}, "assessment_run: no such assessment run"),
    ({"issued_on": "15 June"}, "issued_on: must be a date"),
    ({"per_part": 0}, "per_part: must be an integer"),
    # a misspelt field was ignored: the notices of the year's last completed run printed instead of the run named
    ({"notices": "assessment", "assesment_run": "annual-2024-2024-06"}, "InputRefused: assesment_run: unknown field"),
    ({"notices": "assessment", "issued": "2024-06-15"}, "InputRefused: issued: unknown field"),
])
def test_bad_input_is_refused_with_its_reason(aws: EmbeddedAWS, event: dict[str, object], reason: str) -> None:
    with pytest.raises(RuntimeError, match=reason):
        aws.invoke("collection-notices", {"notices": "assessment", "step": "prepare", "input": event})


def _step(aws: EmbeddedAWS, **event: object) -> dict[str, Any]:
    return dict(aws.invoke("collection-notices", {"notices": "assessment", **event}))


def test_a_part_retried_after_it_was_put_prints_the_same_bytes_and_records_nothing_twice(aws: EmbeddedAWS) -> None:
    _payers()
    put_household_cases(((h.household_id, h.case) for h in CITY.households), changed_at=datetime.now(UTC))
    _assess(aws, "annual", f"{FY}-06")
    prepared = _step(aws, step="prepare", input={"assessment_run": ANNUAL, "issued_on": "2024-06-15",
                                                 "per_part": 2})
    assert prepared["parts"] == [{"part": 1}, {"part": 2}] and prepared["new_notices"] == 3
    print_id = prepared["print_id"]
    first = _step(aws, step="part", print_id=print_id, part=1)
    etag = _objects(aws, print_id)[f"notices/{print_id}/part-0001.pdf"]
    # the step died after the part was put, before its entry: the retry renders the same bytes, records none again
    aws.client("s3").delete_object(Bucket=BUCKETS_BY_LOGICAL["work"].name(), Key=f"notices/{print_id}/part-0001.json")
    retried = _step(aws, step="part", print_id=print_id, part=1)
    assert retried["printed"] and (retried["notices"], retried["pages"]) == (first["notices"], first["pages"])
    assert _objects(aws, print_id)[f"notices/{print_id}/part-0001.pdf"] == etag
    assert len(_writes()) == 1
    # once its entry is stored, the part is not printed again
    assert _step(aws, step="part", print_id=print_id, part=1)["printed"] is False
    # a second prepare gives no new part: every version is in one part already; the part left is still owed
    again = _step(aws, step="prepare", input={"assessment_run": ANNUAL, "issued_on": "2024-06-15"})
    assert (again["parts"], again["new_notices"]) == ([{"part": 2}], 0)


def test_a_later_pass_of_the_run_prints_only_its_new_versions_in_new_parts(aws: EmbeddedAWS) -> None:
    _payers()
    put_household_cases(((h.household_id, h.case) for h in CITY.households), changed_at=datetime.now(UTC))
    _assess(aws, "annual", f"{FY}-06")
    _print(aws, ANNUAL, "2024-06-15")
    print_id = f"FUKA-{ANNUAL}"
    before = _objects(aws, print_id)
    # a household whose case came late: the same run's next pass assesses it (version 1, its 決定通知書)
    late = copy.deepcopy(CITY.households[0].case)
    late["household"]["householder_id"] = late["household"]["members"][0]["id"] = "H9-P1"
    put_household_case("H9", late, changed_at=datetime.now(UTC))
    from_person(Person(person_id="H9-P1", resident_code="10000009", household_id="H9", name_kanji="北九 次郎",
                       name_kana="キタキュウ ジロウ", birth_date=date(1969, 11, 29), sex="1", relationship="世帯主",
                       postal_code="804-8510", address="福岡県北九州市戸畑区千防9-1-1"),
                updated_at="2024-04-01T00:00:00+09:00", updated_by="test").save()
    assert _assess(aws, "annual", f"{FY}-06")["last_pass"]["versions_written"] == 1
    out = _print(aws, ANNUAL, "2024-06-20")
    assert (out["notices"], out["parts"], out["kinds"]["決定通知書"]) == (4, 3, 4)
    after = _objects(aws, print_id)
    assert {k: v for k, v in after.items() if k in before and "manifest" not in k} == {
        k: v for k, v in before.items() if "manifest" not in k}  # the parts printed before: untouched
    text = _text(_pdfs(aws, print_id)[2])
    assert "北九 次郎" in text and "令和6年6月20日" in text and "北九 太郎1" not in text


def test_a_version_not_written_yet_holds_its_part_back_nothing_printed(aws: EmbeddedAWS) -> None:
    # a batch that died between its commit and its version items: the pointer names version 1, the item is not
    # there until the run's next pass writes it — the part waits rather than counting it as no notice
    from kokuho.records.assessments import AssessmentVersionModel

    _payers()
    put_household_cases(((h.household_id, h.case) for h in CITY.households), changed_at=datetime.now(UTC))
    _assess(aws, "annual", f"{FY}-06")
    gone = CITY.households[1].household_id
    AssessmentVersionModel.get(AssessmentVersionModel.pk_of(gone, FY), AssessmentVersionModel.sk_of(1)).delete()
    prepared = _step(aws, step="prepare", input={"assessment_run": ANNUAL, "issued_on": "2024-06-15", "per_part": 2})
    with pytest.raises(RuntimeError, match="VersionNotWritten"):
        _step(aws, step="part", print_id=prepared["print_id"], part=1)
    assert not [k for k in _objects(aws, prepared["print_id"]) if k.endswith(".pdf")] and _writes() == []
    assert _step(aws, step="part", print_id=prepared["print_id"], part=2)["printed"]  # the other part goes on
