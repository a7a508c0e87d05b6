"""所得情報 intake (当初課税 June, 更正 monthly): a person's income stored per fiscal year and the household
case re-projected in the same transaction, so the next monthly run reassesses it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from intake_helpers import CLERK, atena, errors_of, file_bytes, register, run
from qualification_helpers import call

from kokuho.assessment.household_cases import get_household_case, pending_household_ids
from kokuho.records import qualification as repo

NUM = "123456789018"  # a valid My Number (the check digit holds): never echoed


def income_line(pid: str, total: int, *, year: int = 2023, assessment: str = "initial", salary: int | None = None,
                **kw: Any) -> dict[str, Any]:
    return {"atena_no": atena(pid), "income_year": year, "assessment": assessment,
            "income": {"total": total, "salary": total if salary is None else salary, "pension": 0,
                       "declared": True},
            "salary_or_pension_earner": True, **kw}


def member(case: dict[str, Any] | None, pid: str) -> dict[str, Any]:
    assert case is not None
    return next(m for m in case["household"]["members"] if m["id"] == pid)


@pytest.fixture
def household(staffed: None) -> None:
    register("P0001")
    register("P0002", rel="妻", birth="1978-02-01")


def _mark_assessed(household_id: str, fy: int) -> None:
    """As a run does (its batch, on this household): the case is no longer pending."""
    from kokuho.assessment.batch import assess_batch
    from kokuho.records.assessment_store import DynamoAssessmentStore

    assess_batch(DynamoAssessmentStore(), {"run_id": f"annual-{fy}-test", "fiscal_year": fy, "as_of_month": f"{fy}-06",
                                           "execution_id": "test", "batch": {"batch_id": "b1",
                                                                             "household_ids": [household_id]}})


def test_the_june_file_stores_the_income_for_the_next_fiscal_year_and_reprojects_the_case(household: None) -> None:
    _mark_assessed("H0001", 2024)
    assert "H0001" not in pending_household_ids(2024)
    out = run("tax", file_bytes([income_line("P0001", 3_000_000), income_line("P0002", 800_000)]))
    assert out["status"] == "applied" and (out["applied"], out["held"]) == (2, 0), out
    # income of calendar 2023 → fiscal year 2024 (domain.md §1)
    assert repo.incomes_of(["P0001"], 2024)["P0001"]["total"] == 3_000_000
    assert repo.incomes_of(["P0001"], 2023) == {}
    case = get_household_case("H0001", 2024)
    assert member(case, "P0001")["income"] == {"total": 3_000_000, "salary": 3_000_000, "pension": 0,
                                               "declared": True}
    assert member(case, "P0001")["salary_or_pension_earner"] is True
    assert member(case, "P0002")["income"]["total"] == 800_000
    assert "H0001" in pending_household_ids(2024)  # the next monthly run reassesses it


def test_a_registration_after_the_tax_file_keeps_the_stored_income(household: None) -> None:
    run("tax", file_bytes([income_line("P0001", 3_000_000)]))
    status, body, _ = call("POST", "/persons/P0002/qualification", staff_id=CLERK,
                           body={"reason": "joined_employee_insurance", "cause_on": "2024-09-30", "version": 2})
    assert status == 200, body
    assert member(get_household_case("H0001", 2024), "P0001")["income"]["total"] == 3_000_000


def test_a_correction_replaces_the_income_and_an_earlier_year_is_reprojected(household: None) -> None:
    run("tax", file_bytes([income_line("P0001", 3_000_000)]))
    out = run("tax", file_bytes([income_line("P0001", 1_200_000, assessment="correction")]),
              key="incoming/correction-2024-11.jsonl")
    assert out["status"] == "applied", out
    assert member(get_household_case("H0001", 2024), "P0001")["income"]["total"] == 1_200_000
    # a 更正 of income year 2022 reaches back to fiscal year 2023's case
    out = run("tax", file_bytes([income_line("P0001", 500_000, year=2022, assessment="correction")]))
    assert out["status"] == "applied", out
    assert repo.incomes_of(["P0001"], 2023)["P0001"]["total"] == 500_000
    assert get_household_case("H0001", 2023) is not None


def test_the_income_write_leaves_an_access_record_naming_the_persons_and_the_household(household: None) -> None:
    from kokuho.access.records import records_by_staff

    run("tax", file_bytes([income_line("P0001", 3_000_000)]))
    recs = [r for r in records_by_staff("system:tax-intake") if r.category == "income"]
    assert [(r.operation, list(r.subject_ids)) for r in recs] == [("initial", ["P0001", "HH:H0001"])]


def test_involuntary_unemployment_from_the_counter_survives_the_tax_file(household: None) -> None:
    repo.put_income("P0002", 2024, {"total": 0, "salary": 0, "pension": 0, "declared": True,
                                    "involuntary_unemployment": {"left_on": "2024-03-31"}})
    run("tax", file_bytes([income_line("P0002", 2_000_000)]))
    assert member(get_household_case("H0001", 2024), "P0002")["involuntary_unemployment"] == {
        "left_on": "2024-03-31"}


def test_a_redelivered_file_is_applied_once(household: None) -> None:
    data = file_bytes([income_line("P0001", 3_000_000)])
    assert run("tax", data)["status"] == "applied"
    _mark_assessed("H0001", 2024)
    again = run("tax", data, key="incoming/again.jsonl")
    assert (again["status"], again["applied"]) == ("duplicate", 0)
    assert "H0001" not in pending_household_ids(2024)  # nothing written the second time


def test_income_of_a_person_not_in_the_file_is_kept_for_review_not_applied(household: None) -> None:
    from kokuho.records.intake_files import held_lines

    stranger = {**income_line("P0001", 9_000_000), "atena_no": "99999999"}
    out = run("tax", file_bytes([income_line("P0001", 3_000_000), stranger]))
    assert (out["status"], out["applied"], out["held"]) == ("applied", 1, 1)
    held = held_lines("tax")
    assert [(h["line"], h["record"]["atena_no"], h["record"]["income"]["total"]) for h in held] == [
        (2, "99999999", 9_000_000)]


@pytest.mark.parametrize(("change", "field"), [
    (lambda r: r["income"].update(total=-1), "income.total"),
    (lambda r: r["income"].update(total=1.5), "income.total"),
    (lambda r: r["income"].update(total="3000000"), "income.total"),
    (lambda r: r["income"].update(total=True), "income.total"),
    (lambda r: r["income"].update(total=int(NUM)), "income.total"),  # twelve digits: never kept, never shown
    (lambda r: r["income"].update(salary=4_000_000), "income"),  # salary + pension > total
    (lambda r: r.update(assessment="final"), "assessment"),
    (lambda r: r.update(income_year=23), "income_year"),
    (lambda r: r.update(income_year=2024), "income_year"),  # the year of the file's day: not ended, not assessed
    (lambda r: r.update(income_year=2030), "income_year"),  # a year to come (stored for fiscal year 2031)
    (lambda r: r.update(bonus=1), "bonus"),
    (lambda r: r.pop("salary_or_pension_earner"), "salary_or_pension_earner"),
    (lambda r: r.update(atena_no=NUM), "atena_no"),  # a My Number is never a key
    (lambda r: r.update({NUM: 1}), "(a field whose name holds a My Number)"),  # not echoed as the field
])
def test_bad_lines_refuse_the_whole_file_naming_line_and_field(household: None, change: Any, field: str) -> None:
    bad = income_line("P0002", 1_000_000)
    change(bad)
    out = run("tax", file_bytes([income_line("P0001", 3_000_000), bad]))
    assert errors_of(out) == [(2, field)]
    assert NUM not in json.dumps(out)
    assert repo.incomes_of(["P0001", "P0002"], 2024) == {}  # nothing half-applied


def test_the_same_person_and_year_twice_is_refused_naming_both_lines(household: None) -> None:
    out = run("tax", file_bytes([income_line("P0001", 3_000_000), income_line("P0002", 1),
                                 income_line("P0001", 2_000_000)]))
    assert errors_of(out) == [(3, "atena_no")]
    assert "line 1" in out["errors"][0]["message"]
    assert repo.incomes_of(["P0001", "P0002"], 2024) == {}


@pytest.mark.parametrize(("data", "where"), [
    ("shift_jis", (1, "")),
    ("bom", (1, "")),
    ("cut", (1, "trailer")),  # the last line (the only one) is not a trailer
    ("count", (2, "trailer.record_count")),
    ("digest", (2, "trailer.sha256")),
])
def test_encoding_and_trailer_errors_refuse_the_file(household: None, data: str, where: tuple[int, str]) -> None:
    good = file_bytes([income_line("P0001", 3_000_000)])
    body = good[:good.index(b'{"trailer"')]
    variants = {
        "shift_jis": body.replace("北九".encode(), "北九".encode("shift_jis")) + good[len(body):],
        "bom": b"\xef\xbb\xbf" + good,
        "cut": body,
        "count": body + good[len(body):].replace(b'"record_count": 1', b'"record_count": 2'),
        "digest": body.replace(b"3000000", b"3000001") + good[len(body):],
    }
    raw = variants[data]
    if data == "shift_jis":  # the name is not in a tax line: put a Shift_JIS byte in a value instead
        raw = body.replace(b'"initial"', b'"\x96\x6b"') + good[len(body):]
    out = run("tax", raw)
    assert errors_of(out)[:1] == [where]
    if data in ("shift_jis", "bom"):
        assert "offset" in out["errors"][0]
    assert repo.incomes_of(["P0001"], 2024) == {}


def test_the_tax_file_reads_each_persons_record_once(household: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A June file of a city's persons: finding a line's person reads their record; the projection uses it
    (their versions still checked in the transaction) instead of reading every member two more times."""
    from moto.dynamodb.responses import DynamoHandler

    profiles: list[str] = []
    original = DynamoHandler.batch_get_item

    def batch_get_item(self: Any) -> Any:
        for request in self.body["RequestItems"].values():
            profiles.extend(k["pk"]["S"] for k in request["Keys"] if k["sk"]["S"] == "PROFILE"
                            and k["pk"]["S"].startswith(repo.person_pk("")))
        return original(self)

    monkeypatch.setattr(DynamoHandler, "batch_get_item", batch_get_item)
    out = run("tax", file_bytes([income_line("P0001", 3_000_000), income_line("P0002", 800_000)]))
    assert out["status"] == "applied", out
    read = [p for p in profiles if p in (repo.person_pk("P0001"), repo.person_pk("P0002"))]
    assert sorted(read) == [repo.person_pk("P0001"), repo.person_pk("P0002")], profiles  # was each twice


def test_a_file_delivered_again_with_its_trailer_or_line_ends_written_otherwise_is_applied_once(
        household: None) -> None:
    """Applied once is the file's content, not its bytes: the same 更正 re-sent with a compact trailer, or its lines
    ending CRLF, was applied a second time (the case re-projected and the household made pending again)."""
    import hashlib

    data = file_bytes([income_line("P0001", 3_000_000)])
    assert run("tax", data)["status"] == "applied"
    _mark_assessed("H0001", 2024)
    body = data.splitlines(keepends=True)[0]
    sha = hashlib.sha256(body).hexdigest().encode()
    compact = body + b'{"trailer":{"sha256":"%s","record_count":1}}\n' % sha
    crlf_body = body.replace(b"\n", b"\r\n")
    crlf = crlf_body + b'{"trailer": {"record_count": 1, "sha256": "%s"}}\r\n' % (
        hashlib.sha256(crlf_body).hexdigest().encode())
    for again in (compact, crlf, data + b"\n"):
        out = run("tax", again, key="incoming/again.jsonl")
        assert (out["status"], out["applied"]) == ("duplicate", 0), out
    assert "H0001" not in pending_household_ids(2024)  # nothing written again


def test_the_households_of_a_transaction_leave_one_marker_for_their_lines(staffed: None) -> None:
    """Issue 14 item 3: each household's lines wrote their own marker (1 of the 4 items a tax line wrote); the
    lines of a transaction, many households, share one marker, and each line is still found applied."""
    from kokuho.records import intake_files

    for h in range(1, 5):
        register(f"P{h}01", hh=f"H{h:04d}")
        register(f"P{h}02", rel="妻", birth="1978-02-01", hh=f"H{h:04d}")
    out = run("tax", file_bytes([income_line(f"P{h}0{k}", 1_000_000 * k) for h in range(1, 5) for k in (1, 2)]))
    assert out["status"] == "applied" and out["applied"] == 8, out
    markers = [m for m in intake_files.AppliedLineModel.scan(intake_files.AppliedLineModel.sk.startswith("LINE#"))
               if m.pk.startswith("INTAKE#tax#")]
    assert len(markers) == 1, markers
    assert intake_files.applied_lines("tax", markers[0].pk.rsplit("#", 1)[1]) == set(range(1, 9))
