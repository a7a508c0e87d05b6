"""Attacker tests of issue 8 item 5 on the files the city takes in: a My Number in any shape where an id
or a header field belongs rejects the file naming line and field; the my_number field of the intake
file takes any shape and means one number (the same person twice is caught whatever the shapes)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from mynumber_shapes import NUMBER, SHAPES

from kokuho.assessment.intake import build_file as build_intake
from kokuho.assessment.intake import validate_file
from kokuho.linkage.federation import ContinuityRow, FileRejected, parse_file
from kokuho.linkage.federation import build_file as build_federation
from kokuho_local.synthetic import generate_city

ATTACK_SHAPES = ["full-width", "hyphens", "spaces", "ideographic-space", "mixed", "minus-sign", "long-mark",
                 "every-digit-spaced", "3-4-5"]
ID_SHAPES = ["hyphens", "3-4-5"]  # what an id field's alphabet (A-Z a-z 0-9 _ -) lets through
AT = datetime(2026, 5, 2, 6, 0, tzinfo=UTC)
CITY = generate_city(3, seed=5)


def _federation_text() -> str:
    rows = [ContinuityRow("P100", "H10", "401000", date(2020, 4, 1), "move_in")]
    return build_federation("QUALCONT", "QC-401005-20260501", rows, "401005", "福岡県国民健康保険団体連合会",
                            AT).decode()


def _reframed(text: str) -> bytes:
    """The file with its trailer recomputed, so only the field under test is wrong."""
    import hashlib

    lines = text.splitlines()
    body = "".join(line + "\n" for line in lines[1:-1])
    trailer = f"T,{len(lines) - 2},{hashlib.sha256(body.encode()).hexdigest()}"
    return ("\n".join([*lines[:-1], trailer]) + "\n").encode()


@pytest.mark.parametrize("shape", ID_SHAPES)
@pytest.mark.parametrize(("old", "field", "line"), [("P100", "person_id", 2), ("H10", "household_id", 2),
                                                    ("QC-401005-20260501", "file_id", 1)])
def test_a_federation_id_in_any_shape_rejects_the_file(shape: str, old: str, field: str, line: int) -> None:
    data = _reframed(_federation_text().replace(old, SHAPES[shape](NUMBER)))
    with pytest.raises(FileRejected) as rejected:
        parse_file(data)
    assert (line, field) in [(e.line, e.field) for e in rejected.value.errors]


@pytest.mark.parametrize("shape", ATTACK_SHAPES)
def test_a_federation_header_text_holding_a_number_rejects_the_file(shape: str) -> None:
    data = _reframed(_federation_text().replace("福岡県国民健康保険団体連合会", f"連合会 {SHAPES[shape](NUMBER)}"))
    with pytest.raises(FileRejected) as rejected:
        parse_file(data)
    assert (1, "receiver") in [(e.line, e.field) for e in rejected.value.errors]


def _intake_rows(numbers: dict[str, str] | None = None) -> list[tuple[str, dict, list[tuple[str, str]]]]:
    numbers = numbers or {}
    return [(h.household_id, h.case, [(p.person_id, numbers.get(p.person_id, p.my_number)) for p in h.persons])
            for h in CITY.households]


@pytest.mark.parametrize("shape", ATTACK_SHAPES)
def test_an_intake_my_number_in_any_shape_is_read_as_its_twelve_digits(shape: str) -> None:
    first = CITY.households[0].persons[0].person_id
    parsed, errors = validate_file(build_intake(_intake_rows({first: SHAPES[shape](NUMBER)})))
    assert errors == []
    assert dict(parsed[0].persons)[first] == NUMBER  # what the vault is given: one form, one keyed hash


@pytest.mark.parametrize("shape", ATTACK_SHAPES)
def test_the_same_number_in_two_shapes_is_the_same_person_twice(shape: str) -> None:
    a, b = CITY.households[0].persons[0].person_id, CITY.households[1].persons[0].person_id
    _, errors = validate_file(build_intake(_intake_rows({a: NUMBER, b: SHAPES[shape](NUMBER)})))
    assert [(e.line, e.field) for e in errors] == [(2, "persons[0].my_number")]


@pytest.mark.parametrize("shape", ID_SHAPES)
def test_an_intake_household_id_in_any_shape_is_refused(shape: str) -> None:
    rows = _intake_rows()
    rows[0] = (SHAPES[shape](NUMBER), *rows[0][1:])
    _, errors = validate_file(build_intake(rows))
    assert (1, "household_id") in [(e.line, e.field) for e in errors]
    assert all(NUMBER not in json.dumps(vars(e), ensure_ascii=False) for e in errors)


def _intake_line_with(key_at: str, shape: str) -> bytes:
    """The city's intake file with an unknown key holding a My Number: on the line, in the case, or in a
    member of the case."""
    rows = _intake_rows()
    hid, case, persons = rows[0]
    case = json.loads(json.dumps(case))
    key = SHAPES[shape](NUMBER)
    if key_at == "case":
        case[key] = 1
    elif key_at == "member":
        case["household"]["members"][0][key] = 1
    rows[0] = (hid, case, persons)
    data = build_intake(rows).decode()
    if key_at == "line":
        first, rest = data.split("\n", 1)
        data = json.dumps({**json.loads(first), key: 1}, ensure_ascii=False) + "\n" + rest
        lines = data.splitlines()
        import hashlib

        body = "".join(line + "\n" for line in lines[:-1])
        lines[-1] = json.dumps({"trailer": {"record_count": len(lines) - 1,
                                            "sha256": hashlib.sha256(body.encode()).hexdigest()}})
        data = "\n".join(lines) + "\n"
    return data.encode()


@pytest.mark.parametrize("shape", ["plain", "full-width", "hyphens", "spaces"])
@pytest.mark.parametrize("key_at", ["line", "case", "member"])
def test_an_unknown_intake_field_named_by_a_my_number_is_refused_without_echoing_it(key_at: str,
                                                                                    shape: str) -> None:
    from kokuho.identity.mynumber import contains_my_number

    _, errors = validate_file(_intake_line_with(key_at, shape))
    assert [e.line for e in errors] == [1]
    assert not any(contains_my_number(json.dumps(vars(e), ensure_ascii=False)) for e in errors)


@pytest.mark.parametrize("shape", ["plain", "full-width", "hyphens"])
def test_a_premium_case_key_holding_a_my_number_is_named_without_echoing_it(shape: str) -> None:
    from kokuho.identity.mynumber import contains_my_number
    from kokuho.premium.case import CaseError, validate_case

    case = json.loads(json.dumps(CITY.households[0].case))
    case["household"]["members"][0][SHAPES[shape](NUMBER)] = 1
    with pytest.raises(CaseError) as refused:
        validate_case(case)
    assert refused.value.field.startswith("household.members[0].")
    assert not contains_my_number(f"{refused.value.field} {refused.value.reason}")
