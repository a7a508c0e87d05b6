"""The tax file may carry what the 高額療養費 brackets read (issue 13 item 2, kokuho.benefits.brackets): 住民税非課税,
課税標準額 and 公的年金等の収入金額 — optional, stored with the person's income, refused naming the field when wrong."""

from __future__ import annotations

from typing import Any

from kokuho.intake.framing import build_file
from kokuho.intake.tax import validate_file


def line(**extra: Any) -> dict[str, Any]:
    return {"atena_no": "10000001", "income_year": 2023, "assessment": "initial",
            "income": {"total": 900_000, "salary": 0, "pension": 900_000, "declared": True},
            "salary_or_pension_earner": True, **extra}


def test_the_bracket_fields_are_stored_with_the_income_when_given() -> None:
    lines, errors = validate_file(build_file([line(resident_tax_exempt=True, taxable_income=0,
                                                   pension_revenue=2_000_000)]))
    assert errors == []
    assert {k: lines[0].income[k] for k in ("resident_tax_exempt", "taxable_income", "pension_revenue")} == {
        "resident_tax_exempt": True, "taxable_income": 0, "pension_revenue": 2_000_000}


def test_without_them_the_income_record_has_no_such_keys() -> None:
    lines, errors = validate_file(build_file([line()]))
    assert errors == [] and not {"resident_tax_exempt", "taxable_income", "pension_revenue"} & set(lines[0].income)


def test_a_wrong_value_is_refused_naming_the_field() -> None:
    _, errors = validate_file(build_file([line(taxable_income=-1)]))
    assert [(e.line, e.field) for e in errors] == [(1, "taxable_income")]
    _, errors = validate_file(build_file([line(resident_tax_exempt="yes")]))
    assert [(e.line, e.field) for e in errors] == [(1, "resident_tax_exempt")]
