"""Payment files (issue 12 item 2) checked whole before anything is applied: the trailer, every line and
field, named in the error, never a value echoed."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from kokuho.collection.matching import IncomingPayment
from kokuho.collection.payment_files import (
    ACCOUNT_TRANSFER,
    PENSION,
    RECEIPTS,
    CollectionFailure,
    validate_file,
)
from kokuho.collection.slips import payment_number
from kokuho.intake.framing import build_file

N1 = payment_number("H1", 2024, 1, 1)
N2 = payment_number("H2", 2024, 1, 1)
# A valid My Number built at run time (never printed): the redaction tests' example with its check digit.
MY_NUMBER = "1234567890" + "18"


def receipt(**over: Any) -> dict[str, Any]:
    return {"receipt_id": "CVS-0001", "channel": "コンビニ", "amount": 10_000, "paid_on": "2024-07-10",
            "payment_number": N1} | over


def errors_of(kind: str, data: bytes) -> list[dict[str, Any]]:
    parsed, errors = validate_file(kind, data)
    assert parsed is None
    return [e.as_dict() for e in errors]


def test_three_kinds_of_line_become_payments_and_failures() -> None:
    transfer = build_file([
        {"payment_number": N1, "amount": 10_000, "debited_on": "2024-07-01", "result_code": "0"},
        {"payment_number": N2, "amount": 10_000, "debited_on": "2024-07-01", "result_code": "1"}])
    parsed, errors = validate_file(ACCOUNT_TRANSFER, transfer)
    assert not errors and parsed is not None
    assert parsed.payments == [IncomingPayment(f"KF-{N1}-2024-07-01", "口座振替", date(2024, 7, 1), 10_000, 1, N1)]
    assert parsed.failures == [CollectionFailure("口座振替", 2, date(2024, 7, 1), "1", "資金不足", payment_number=N2)]

    parsed, errors = validate_file(RECEIPTS, build_file([receipt(), receipt(payment_number=None, payer_id="H1-P1",
                                                                         receipt_id="MADO-7", channel="窓口")]))
    assert not errors and parsed is not None
    assert [(p.payment_id, p.payment_number, p.payer_id) for p in parsed.payments] == [
        (f"SN-{N1}", N1, None), ("SN-MADO-MADO-7", None, "H1-P1")]

    pension = build_file([
        {"payer_id": "H1-P1", "fiscal_year": 2024, "month": "2024-06", "amount": 12_300, "result": "徴収済"},
        {"payer_id": "H1-P1", "fiscal_year": 2024, "month": "2024-08", "amount": 12_300, "result": "徴収不能",
         "reason": "年金の支払停止"}])
    parsed, errors = validate_file(PENSION, pension)
    assert not errors and parsed is not None
    assert [(p.payment_id, p.on, p.fiscal_year) for p in parsed.payments] == [
        ("TC-H1-P1-M2024-06", date(2024, 6, 15), 2024)]
    assert [(f.code, f.reason) for f in parsed.failures] == [("徴収不能", "年金の支払停止")]


@pytest.mark.parametrize(("line", "field"), [
    (receipt(amount=-1), "amount"), (receipt(amount=1.5), "amount"), (receipt(amount="100"), "amount"),
    (receipt(amount=True), "amount"), (receipt(paid_on="2024-02-30"), "paid_on"), (receipt(channel="ATM"), "channel"),
    (receipt(payment_number="12345"), "payment_number"), (receipt(colour="red"), "colour"),
    (receipt(payer_id="H 1"), "payer_id"), ({"amount": 1}, "channel"),
])
def test_a_bad_line_refuses_the_file_naming_line_and_field(line: dict[str, Any], field: str) -> None:
    data = build_file([receipt(), line])
    errors = errors_of(RECEIPTS, data)
    assert errors[0]["line"] == 2 and errors[0]["field"] == field


def test_a_my_number_where_an_id_belongs_is_refused_and_never_echoed() -> None:
    data = build_file([receipt(payment_number=None, payer_id=MY_NUMBER)])
    errors = errors_of(RECEIPTS, data)
    assert errors == [{"line": 1, "field": "payer_id", "message": "must not hold a My Number"}]
    assert MY_NUMBER not in json.dumps(errors)


def test_an_unknown_key_holding_a_my_number_is_named_as_every_intake_names_it() -> None:
    errors = errors_of(RECEIPTS, build_file([receipt(**{f"x{MY_NUMBER}": 1})]))
    assert errors == [{"line": 1, "field": "(a field whose name holds a My Number)", "message": "unknown field"}]
    assert MY_NUMBER not in json.dumps(errors)


def test_the_trailer_guards_against_a_file_cut_short_or_altered() -> None:
    good = build_file([receipt(), receipt(receipt_id="CVS-0002", payment_number=None, payer_id="P")])
    body, trailer = good.rsplit(b"\n", 2)[0], good.splitlines()[-1]
    assert errors_of(RECEIPTS, body + b"\n")[0]["field"] == "trailer"  # cut at a line boundary
    altered = good.replace(b"10000", b"90000", 1)
    assert [e["field"] for e in errors_of(RECEIPTS, altered)] == ["trailer.sha256"]
    one_line = good.splitlines(keepends=True)[0] + trailer + b"\n"
    assert {e["field"] for e in errors_of(RECEIPTS, one_line)} >= {"trailer.record_count"}


@pytest.mark.parametrize(("line", "field"), [
    ({"payment_number": N1, "amount": 1, "debited_on": "2024-07-01", "result_code": "5"}, "result_code"),
    ({"payment_number": N1, "amount": 1, "debited_on": "2024-07-01"}, "result_code"),
])
def test_account_transfer_lines(line: dict[str, Any], field: str) -> None:
    assert errors_of(ACCOUNT_TRANSFER, build_file([line]))[0]["field"] == field


@pytest.mark.parametrize("month", ["2024-05", "2025-04", "2024-6", "2023-12"])
def test_pension_deductions_fall_in_their_months_of_the_year(month: str) -> None:
    line = {"payer_id": "P", "fiscal_year": 2024, "month": month, "amount": 1, "result": "徴収済"}
    assert errors_of(PENSION, build_file([line]))[0]["field"] == "month"


def test_the_documented_examples_are_valid_files() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "payment_files.md").read_text("utf-8")
    blocks = [b.split("```")[0] for b in doc.split("```\n{")[1:]]
    examples = [("{" + b).encode("utf-8") for b in blocks]
    assert len(examples) == 3
    for kind, data in zip((ACCOUNT_TRANSFER, RECEIPTS, PENSION), examples, strict=True):
        parsed, errors = validate_file(kind, data)
        assert not errors and parsed is not None and len(parsed.payments) + len(parsed.failures) == 2


@pytest.mark.parametrize("second", [{"result": "徴収不能", "amount": 0}, {"amount": 9_800}, {}])
def test_one_pension_result_a_payer_and_month_the_same_twice_refused_naming_both_lines(second: dict[str, Any]) -> None:
    """The insurer deducts a pension once a month: two results for one payer and month in one file say two things
    (collected and not collected: the payment applied AND the failure that stops the deduction; two amounts: the
    second silently dropped as a "duplicate"). The file is refused, the later line naming the earlier."""
    first = {"payer_id": "H0000003-P1", "fiscal_year": 2024, "month": "2024-06", "amount": 14_200, "result": "徴収済"}
    other = {"payer_id": "H0000004-P1", "fiscal_year": 2024, "month": "2024-06", "amount": 9_800, "result": "徴収済"}
    errors = errors_of(PENSION, build_file([first, other, first | second]))
    assert [(e["line"], e["field"]) for e in errors] == [(3, "month")]
    assert "line 1" in errors[0]["message"]


@pytest.mark.parametrize("second", [{"result_code": "1"}, {"amount": 5_000}, {}])
def test_one_debit_result_a_slip_and_day_the_same_twice_refused_naming_both_lines(second: dict[str, Any]) -> None:
    """The bank debits a slip once on a day: two results for it say two things (debited and 資金不足: the payment
    applied AND the failure recorded; two amounts: the second dropped as a "duplicate"). Refused naming the first."""
    first = {"payment_number": N1, "amount": 10_000, "debited_on": "2024-07-01", "result_code": "0"}
    other = {"payment_number": payment_number("H2", 2024, 1, 1), "amount": 10_000, "debited_on": "2024-07-01",
             "result_code": "0"}
    errors = errors_of(ACCOUNT_TRANSFER, build_file([first, other, first | second]))
    assert [(e["line"], e["field"]) for e in errors] == [(3, "debited_on")]
    assert "line 1" in errors[0]["message"]
