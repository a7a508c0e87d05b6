"""The 賦課用世帯情報 file read through the intakes' framing (kokuho.intake.framing) with the answers its
senders rely on (docs/intake_files.md): an empty file holds no household, the first 100 errors in line
order, the line's own wording ("is required", "duplicate household in the file")."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from kokuho.assessment.intake import validate_file
from kokuho.intake.framing import read_records
from kokuho_local.synthetic import generate_city

CITY = generate_city(2, seed=21)


def _line(h: Any, **changes: Any) -> dict[str, Any]:
    line = {"household_id": h.household_id, "case": copy.deepcopy(h.case), "persons": []}
    return {**line, **changes}


def _file(lines: list[Any], count: int | None = None) -> bytes:
    """Written out as the document says, not by the code under test (`count`: a trailer that disagrees)."""
    body = "".join((x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n" for x in lines).encode()
    return body + b'{"trailer": {"record_count": %d, "sha256": "%s"}}\n' % (
        len(lines) if count is None else count, hashlib.sha256(body).hexdigest().encode())


def _answers(data: bytes) -> list[tuple[int, str, str]]:
    return [(e.line, e.field, e.message) for e in validate_file(data)[1]]


def test_an_empty_file_holds_no_household_where_other_intakes_miss_the_trailer() -> None:
    assert _answers(b"") == [(0, "", "the file holds no household")]
    assert _answers(b"\n \n") == [(0, "", "the file holds no household")]
    assert [e.field for e in read_records(b"")[1]] == ["trailer"]


def test_a_line_says_what_is_required_and_which_household_is_twice() -> None:
    h = CITY.households[0]
    line = _line(h)
    del line["persons"]
    assert _answers(_file([line])) == [(1, "persons", "is required")]
    assert _answers(_file([_line(h), _line(h)])) == [(2, "household_id", "duplicate household in the file")]


def test_the_first_100_errors_are_answered_in_line_order_and_the_trailer_after_them_is_left_out() -> None:
    h = CITY.households[0]
    lines: list[Any] = [_line(h, household_id=f"bad id {i}") for i in range(60)]
    lines[10:20] = ["{not json"] * 10
    lines += [_line(h, household_id=f"bad id {i}") for i in range(60, 120)]
    answers = _answers(_file(lines, count=7))
    assert len(answers) == 100
    assert [n for n, _, _ in answers] == list(range(1, 101))
    assert answers[10] == (11, "", "not valid JSON (column 2)")
    assert "trailer" not in {f.split(".")[0] for _, f, _ in answers}
    assert _answers(_file(lines[:3], count=7))[-1][:2] == (4, "trailer.record_count")
