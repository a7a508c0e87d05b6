"""docs/city_intake_files.md stays true: every example file in it passes its kind's validation as printed
(trailer digest included), and a changed byte is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kokuho.intake import care, pension, residents, tax, welfare

DOC = Path(__file__).resolve().parents[3] / "docs" / "city_intake_files.md"
PARSERS = {"residents": residents.parse_file, "tax": tax.validate_file, "welfare": welfare.parse_file,
           "care": care.validate_file, "pension": pension.validate_file}


def _examples() -> dict[str, bytes]:
    text = DOC.read_text(encoding="utf-8")
    out = {}
    for section in re.split(r"^## ", text, flags=re.M):
        kind = re.match(r"`(\w+)`", section)
        block = re.search(r"```\n(.*?)```", section, re.S)
        if kind and block and kind.group(1) in PARSERS:
            out[kind.group(1)] = block.group(1).encode("utf-8")
    return out


def test_the_doc_has_an_example_of_every_kind() -> None:
    assert sorted(_examples()) == sorted(PARSERS)


@pytest.mark.parametrize("kind", sorted(PARSERS))
def test_each_example_is_a_valid_file(kind: str) -> None:
    lines, errors = PARSERS[kind](_examples()[kind])
    assert errors == [] and lines


@pytest.mark.parametrize("kind", sorted(PARSERS))
def test_a_changed_example_fails_its_digest(kind: str) -> None:
    data = _examples()[kind].replace(b'"atena_no": "1', b'"atena_no": "3', 1)
    data = data.replace(b'"atena_no": "2', b'"atena_no": "3', 1)
    _, errors = PARSERS[kind](data)
    assert [e.field for e in errors] == ["trailer.sha256"]


def test_a_file_id_never_holds_what_reads_as_a_my_number() -> None:
    """File ids go into keys, history notes and access records: a hex digest's digits line up into a
    My Number (valid check digit) about once in fifty files; the base32 id never does."""
    import hashlib

    from kokuho.identity.mynumber import contains_my_number
    from kokuho.intake.framing import file_digest

    unlucky = next(f"file {i}".encode() for i in range(100_000)
                   if contains_my_number(hashlib.sha256(f"file {i}".encode()).hexdigest()))
    assert not contains_my_number(file_digest(unlucky))
    assert not any(contains_my_number(file_digest(f"file {i}".encode())) for i in range(2_000))
