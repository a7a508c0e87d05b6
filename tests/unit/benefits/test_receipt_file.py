"""The monthly receipt file from the 国保連合会 (issue 13 item 1): validated whole, every refusal names the line
and the field and never echoes a value."""

from __future__ import annotations

from typing import Any

from kokuho.benefits.receipt_file import validate_receipt_file
from kokuho.intake.framing import build_file


def line(person: str = "P0001", month: str = "2026-05", provider: str = "1310000001", setting: str = "outpatient",
         points: int = 1_234, copay: int | None = None, **extra: Any) -> dict[str, Any]:
    total = points * 10
    return {"person_id": person, "service_month": month, "provider_code": provider, "setting": setting,
            "points": points, "total_cost": total, "copay": total * 3 // 10 if copay is None else copay, **extra}


def errors_of(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    parsed, errors = validate_receipt_file(build_file(rows))
    assert parsed is None
    return [e.as_dict() for e in errors]


def test_a_valid_file_gives_every_receipt_with_its_line() -> None:
    parsed, errors = validate_receipt_file(build_file([line(), line(person="P0002", setting="dental", points=500),
                                                       line(setting="inpatient", points=40_000)]))
    assert errors == [] and parsed is not None
    assert [(r.line, r.person_id, r.setting, r.total_cost) for r in parsed.receipts] == [
        (1, "P0001", "outpatient", 12_340), (2, "P0002", "dental", 5_000), (3, "P0001", "inpatient", 400_000)]
    assert parsed.receipts[0].service_month == (2026, 5) and parsed.receipts[0].copay == 3_702


def test_copay_above_total_cost_is_refused_naming_line_and_field() -> None:
    assert errors_of([line(), line(points=100, copay=1_001)]) == [
        {"line": 2, "field": "copay", "message": "must not exceed total_cost"}]


def test_total_cost_must_be_points_times_ten() -> None:
    bad = line()
    bad["total_cost"] += 1
    assert errors_of([bad]) == [{"line": 1, "field": "total_cost", "message": "must be points × 10"}]


def test_a_duplicate_names_both_lines() -> None:
    errs = errors_of([line(), line(person="P0002"), line(copay=0)])
    assert errs == [{"line": 3, "field": "provider_code",
                     "message": "duplicate of line 1: the same person, service month, provider and setting"}]


def test_same_provider_in_another_setting_or_month_is_no_duplicate() -> None:
    parsed, errors = validate_receipt_file(build_file([line(), line(setting="inpatient"), line(month="2026-04")]))
    assert errors == [] and parsed is not None and len(parsed.receipts) == 3


def test_field_errors_never_echo_the_value() -> None:
    secret = "秘密の値"
    rows = [line(person=secret), line(setting="home"), line(month="2026-13"), line(provider="13100"),
            {**line(), "points": "12"}, {**line(), "note": "x"}, {k: v for k, v in line().items() if k != "copay"}]
    errs = errors_of(rows)
    assert [(e["line"], e["field"]) for e in errs] == [
        (1, "person_id"), (2, "setting"), (3, "service_month"), (4, "provider_code"), (5, "points"), (6, "note"),
        (7, "copay")]
    assert all(secret not in str(e) and "home" not in str(e) for e in errs)


def test_an_unknown_key_holding_a_my_number_is_named_as_every_intake_names_it() -> None:
    number = "1234567890" + "18"  # a valid My Number built at run time, never printed
    errs = errors_of([{**line(), f"x{number}": 1}])
    assert errs == [{"line": 1, "field": "(a field whose name holds a My Number)", "message": "unknown field"}]
    assert number not in str(errs)


def test_encodings_and_framing_are_refused_whole() -> None:
    data = build_file([line()])
    for bad, field in [(data.decode().encode("utf-16"), ""), (b"\xef\xbb\xbf" + data, ""),
                       (data.replace(b"P0001", "テスト".encode("shift_jis")), ""),
                       (data.splitlines(keepends=True)[0], "trailer")]:
        parsed, errors = validate_receipt_file(bad)
        assert parsed is None and errors and errors[0].field == field


def test_an_empty_file_is_refused() -> None:
    parsed, errors = validate_receipt_file(build_file([]))
    assert parsed is None and errors[0].message == "the file holds no receipt"
