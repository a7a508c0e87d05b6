"""特定健診受診券 (issue 13 item 8), the pure rules: who is 40–74 in the fiscal year (domain.md §1: ages advance on the
day before the birthday, through the project's one age rule), the year's terms as data, the age bands of the
受診率; and the attendance file taken against the port — validated whole (trailer, line and field named), nothing
half-applied, applied once."""

from __future__ import annotations

from datetime import date

import pytest
from fakes.health_store import InMemoryHealthStore

from kokuho.health.attendance import take_attendance_file
from kokuho.health.vouchers import VoucherTermsError, age_band, draft, in_checkup_ages, parse_terms, terms_of
from kokuho.identity.mynumber import check_digit, count_my_numbers
from kokuho.intake.framing import build_file


@pytest.mark.parametrize(("birth", "fiscal_year", "expected"), [
    (date(1987, 4, 1), 2026, True),  # reaches 40 on 31 March 2027: 40 in the year
    (date(1987, 4, 2), 2026, False),  # reaches 40 on 1 April 2027: the next year's
    (date(1986, 4, 2), 2026, True),
    (date(1951, 4, 2), 2026, True),  # reaches 75 on 1 April 2026: 74 in the year until then
    (date(1951, 4, 1), 2026, False),  # reached 75 on 31 March 2026: before the year
    (date(1960, 1, 1), 2026, True),
    (date(2000, 1, 1), 2026, False),
])
def test_forty_to_seventy_four_in_the_fiscal_year(birth: date, fiscal_year: int, expected: bool) -> None:
    assert in_checkup_ages(birth, fiscal_year) is expected


def test_age_bands_by_the_age_on_31_march() -> None:
    assert age_band(date(1987, 4, 1), 2026) == "40-44"  # 40 on 31 March 2027
    assert age_band(date(1982, 4, 1), 2026) == "45-49"  # 45 on 31 March 2027 (the day before the birthday)
    assert age_band(date(1982, 4, 2), 2026) == "40-44"
    assert age_band(date(1952, 1, 1), 2026) == "70-74"
    assert age_band(date(1951, 4, 2), 2026) == "70-74"  # 75 within the year: still the last band


def test_the_terms_are_data_and_a_bad_entry_is_refused_naming_the_field() -> None:
    t = terms_of(2026)
    assert (t.issued_on, t.valid_until, t.copay) == (date(2026, 4, 15), date(2027, 3, 31), 500)
    v = draft("P1", t, valid_from=date(2026, 7, 1), source="acquisition")
    assert (v.valid_from, v.valid_until, v.copay, v.number) == (date(2026, 7, 1), date(2027, 3, 31), 500, "")
    good = {"issued_on": "2026-04-15", "valid_until": "2027-03-31", "copay": 500}
    for bad, field in (({**good, "issued_on": "2026-05-01"}, "issued_on"), ({**good, "valid_until": "2027-04-30"},
                       "valid_until"), ({**good, "copay": -1}, "copay"), ({**good, "copay": "500"}, "copay")):
        with pytest.raises(VoucherTermsError, match=f"fiscal_years.2026.{field}"):
            parse_terms({"fiscal_years": {"2026": bad}})
    with pytest.raises(VoucherTermsError, match="fiscal_year"):
        terms_of(2099)


ACTOR = object()


def _store() -> InMemoryHealthStore:
    store = InMemoryHealthStore()
    t = terms_of(2026)
    store.issue(2026, [draft(p, t, valid_from=t.issued_on, source="april") for p in ("P1", "P2", "P3")],
                actor=ACTOR, chain="T")
    return store


def _line(person: str, number: str, on: str = "2026-06-01", **over: object) -> dict[str, object]:
    return {"voucher_number": number, "person_id": person, "checked_on": on, "institution_code": "4010123456",
            **over}


def test_the_attendance_file_marks_the_vouchers_used_once() -> None:
    store = _store()
    data = build_file([_line("P1", "20260000001"), _line("P3", "20260000003", "2026-09-30")])
    out = take_attendance_file(store, data, key="k1", actor=ACTOR, chain="T")
    assert (out["accepted"], out["marked"], out["duplicate"]) == (True, 2, False)
    v = store.vouchers(2026, ["P1", "P2", "P3"])
    assert (v["P1"].used_on, v["P2"].used_on, v["P3"].used_on) == (date(2026, 6, 1), None, date(2026, 9, 30))
    again = take_attendance_file(store, data, key="k1-resent", actor=ACTOR, chain="T")
    assert again["duplicate"] is True and store.marks == 1  # re-delivered: nothing applied twice


def _my_number() -> str:
    return "12345678901" + str(check_digit("12345678901"))


@pytest.mark.parametrize(("lines", "line", "field"), [
    ([_line("P1", "20260000002")], 1, "voucher_number"),  # P2's voucher
    ([_line("P1", "20260000001", "2027-04-01")], 1, "voucher_number"),  # no voucher of FY2027
    ([_line("P1", "20260000001", "2026-04-14")], 1, "checked_on"),  # before the voucher's validity
    ([_line("P1", "20260000001"), _line("P1", "20260000001", "2026-06-02")], 2, "voucher_number"),  # twice
    ([_line("P1", "20260000001", "2026-02-30")], 1, "checked_on"),
    ([_line(_my_number(), "20260000001")], 1, "person_id"),
    ([_line("P1", "2026-1")], 1, "voucher_number"),
    ([_line("P1", "20260000001", diagnosis="x")], 1, "diagnosis"),
    ([_line("P2", "20260000002"), {"voucher_number": "20260000001", "person_id": "P1", "checked_on": "2026-06-01"}],
     2, "institution_code"),
])
def test_a_bad_line_refuses_the_whole_file_naming_line_and_field(lines: list[dict[str, object]], line: int,
                                                                 field: str) -> None:
    store = _store()
    out = take_attendance_file(store, build_file(lines), key="bad", actor=ACTOR, chain="T")
    assert out["accepted"] is False and (out["errors"][0]["line"], out["errors"][0]["field"]) == (line, field)
    assert count_my_numbers(str(out)) == 0
    assert all(v.used_on is None for v in store.vouchers(2026, ["P1", "P2", "P3"]).values())  # nothing applied


def test_a_voucher_an_earlier_file_marked_is_refused_and_a_cut_short_run_resumes() -> None:
    store = _store()
    take_attendance_file(store, build_file([_line("P1", "20260000001")]), key="a", actor=ACTOR, chain="T")
    out = take_attendance_file(store, build_file([_line("P1", "20260000001", "2026-07-01")]), key="b",
                               actor=ACTOR, chain="T")
    assert out["accepted"] is False and out["errors"][0]["message"].startswith("already used")

    store = _store()
    lines = [_line(f"P{k}", f"2026000000{k}") for k in (1, 2, 3)]
    data = build_file(lines)
    import kokuho.health.attendance as attendance

    old, attendance.BATCH = attendance.BATCH, 1
    try:
        store.fail_after_marks = 1
        with pytest.raises(RuntimeError):
            take_attendance_file(store, data, key="c", actor=ACTOR, chain="T")
        store.fail_after_marks = None
        out = take_attendance_file(store, data, key="c", actor=ACTOR, chain="T")
    finally:
        attendance.BATCH = old
    assert (out["accepted"], out["marked"], out["already_marked"]) == (True, 2, 1)


def test_a_file_whose_trailer_disagrees_is_refused() -> None:
    data = build_file([_line("P1", "20260000001")]).replace(b'"record_count": 1', b'"record_count": 2')
    out = take_attendance_file(_store(), data, key="t", actor=ACTOR, chain="T")
    assert out["accepted"] is False and out["errors"][0]["field"] == "trailer.record_count"
