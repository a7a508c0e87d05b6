"""Probe: a line of an intake file holding the same key twice was taken with its last value — `{"amount": 1000,
"amount": 100000}` applied 100,000 yen, `{"atena_no": A, "atena_no": B}` stored B's pension — while the API's bodies
and the command line's cases refuse such JSON (two things said at once). Every intake reads its lines through
kokuho.intake.framing.read_records: a key given twice, or NaN/Infinity (not JSON), now refuses the file naming the
line and the key (one holding a My Number named, never echoed), nothing applied."""

from __future__ import annotations

from datetime import date

import pytest

from kokuho.collection import payment_files
from kokuho.identity.mynumber import check_digit, count_my_numbers
from kokuho.intake import pension
from kokuho.intake.framing import read_records, trailer_line

BASE = "12345678901"
NUMBER = BASE + str(check_digit(BASE))


def framed(*lines: str) -> bytes:
    body = "".join(f"{line}\n" for line in lines).encode("utf-8")
    return body + trailer_line(len(lines), body)


RECEIPT = '{"receipt_id": "R1", "channel": "窓口", "amount": 1000, "paid_on": "2024-06-10", "amount": 100000}'
PENSION = ('{"atena_no": "0001234567", "fiscal_year": 2024, "insurer_code": "001", "pension_code": "1150", '
           '"basic_pension_number": "0000000001", "pension_annual": 1200000, "atena_no": "0001234568"}')


def test_a_key_given_twice_in_a_line_refuses_the_file_naming_line_and_key() -> None:
    ok = '{"receipt_id": "R0", "channel": "窓口", "amount": 500, "paid_on": "2024-06-10"}'
    found, errors = payment_files.validate_file(payment_files.RECEIPTS, framed(ok, RECEIPT), date(2024, 6, 30))
    assert found is None and [(e.line, e.field) for e in errors] == [(2, "amount")]
    assert "twice" in errors[0].message
    lines, errors = pension.validate_file(framed(PENSION))
    assert lines == [] and [(e.line, e.field) for e in errors] == [(1, "atena_no")]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str) -> None:
    records, errors = read_records(framed(f'{{"amount": {constant}}}'))
    assert records == [] and [(e.line, e.field) for e in errors] == [(1, "")]
    assert "not valid JSON" in errors[0].message


def test_a_key_holding_a_my_number_given_twice_is_named_never_echoed() -> None:
    for key in (NUMBER, f"{NUMBER[:4]}-{NUMBER[4:8]}-{NUMBER[8:]}", f"x{NUMBER}"):
        records, errors = read_records(framed(f'{{"{key}": 1, "{key}": 2}}'))
        assert records == [] and errors[0].field == "(a field whose name holds a My Number)"
        assert count_my_numbers(repr(errors), inside_identifiers=True) == 0


PAYMENT = '{{"receipt_id": "{id}", "channel": "窓口", "amount": 1000, "paid_on": "2024-06-10"}}'
RECEIPT_LINE = ('{{"person_id": "{id}", "service_month": "2024-05", "provider_code": "4011234567", "setting": '
                '"outpatient", "points": 3000, "total_cost": 30000, "copay": 9000}}')
ATTENDANCE = ('{{"voucher_number": "{number}", "person_id": "{id}", "checked_on": "2024-06-10", '
              '"institution_code": "4012345678"}}')


@pytest.mark.parametrize("wrong", ["R1\\n", "１２３４５６７８９０１"])
def test_an_id_with_a_line_break_or_other_digits_is_refused_not_taken_as_another(wrong: str) -> None:
    """Probe: the files' id patterns were matched with re.match and '^…$', which lets a trailing line break
    through: a 収納 line's receipt_id "R1\\n" became payment SN-MADO-R1\\n beside SN-MADO-R1 — the same receipt
    applied twice across two files — and a 受診券 number's `\\d` took full-width digits. Every id is matched whole
    (fullmatch) against ASCII, the line refused naming the field."""
    from kokuho.benefits.receipt_file import validate_receipt_file
    from kokuho.health.attendance_file import validate_attendance_file

    found, errors = payment_files.validate_file(payment_files.RECEIPTS, framed(PAYMENT.format(id=wrong)),
                                                date(2024, 6, 30))
    assert found is None and [(e.line, e.field) for e in errors] == [(1, "receipt_id")]
    receipts, errors = validate_receipt_file(framed(RECEIPT_LINE.format(id=wrong)), date(2024, 6, 30))
    assert receipts is None and [(e.line, e.field) for e in errors] == [(1, "person_id")]
    lines, errors = validate_attendance_file(framed(ATTENDANCE.format(number="20240000001", id=wrong)),
                                             date(2024, 6, 30))
    assert lines == [] and [(e.line, e.field) for e in errors] == [(1, "person_id")]
    lines, errors = validate_attendance_file(framed(ATTENDANCE.format(number=wrong, id="P1")), date(2024, 6, 30))
    assert lines == [] and [(e.line, e.field) for e in errors] == [(1, "voucher_number")]


@pytest.mark.parametrize(("line", "field"), [
    ('{"payer_id": "H1-P1", "fiscal_year": 2024, "month": "2024-06", "amount": 0, "result": "徴収不能", '
     '"reason": "a\\ud800b"}', "reason"),
    ('{"payer_id": "H1-P1", "fiscal_year": 2024, "month": "2024-06", "amount": 0, "result": "徴収不能", '
     '"reason": "\\udfff"}', "reason"),
    ('{"payer_id": "H1-P1", "fiscal_year": 2024, "month": "2024-06", "amount": 0, "result": "徴収不能", '
     '"\\ud800": 1}', "(a key that is not valid Unicode)"),
])
def test_a_lone_surrogate_written_as_an_escape_refuses_the_file_naming_line_and_field(line: str, field: str) -> None:
    """The bytes of a file are checked as UTF-8, which cannot hold a lone surrogate — but a JSON escape can
    (\\ud800): the 特別徴収 result's free-text reason took one onto the ledger, a string no UTF-8 writer (a response,
    a notice, the store's wire form) can encode. A bad encoding written as an escape is refused like one in bytes."""
    found, errors = payment_files.validate_file(payment_files.PENSION, framed(line), date(2024, 6, 30))
    assert found is None and [(e.line, e.field) for e in errors] == [(1, field)]
    assert "Unicode" in errors[0].message


def test_a_character_beyond_the_basic_plane_written_as_a_surrogate_pair_is_one_character() -> None:
    line = ('{"payer_id": "H1-P1", "fiscal_year": 2024, "month": "2024-06", "amount": 0, "result": "徴収不能", '
            '"reason": "\\ud842\\udfb7野家"}')  # 𠮷: the pair is the character, not a lone surrogate
    found, errors = payment_files.validate_file(payment_files.PENSION, framed(line), date(2024, 6, 30))
    assert not errors and found is not None and found.failures[0].reason == "𠮷野家"
