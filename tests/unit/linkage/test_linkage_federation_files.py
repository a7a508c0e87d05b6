"""国保連合会 file layout: what we write is what we accept; a bad file is named by line and field."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kokuho.linkage.federation import CarryOverRow, ContinuityRow, FileRejected, build_file, parse_file

AT = datetime(2026, 5, 2, 6, 0, tzinfo=UTC)
ROWS = [ContinuityRow("P100", "H10", "401000", date(2020, 4, 1), "move_in"),
        ContinuityRow("P200", "H10", "401000", date(2019, 4, 1), "birth", date(2026, 5, 1), "move_out", "FK0002")]


def good() -> bytes:
    return build_file("QUALCONT", "QC-401005-20260501", ROWS, "401005", "福岡県国民健康保険団体連合会", AT)


def errors_of(data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(FileRejected) as e:
        parse_file(data)
    return [(x.line, x.field) for x in e.value.errors]


def test_layout_round_trip() -> None:
    data = good()
    text = data.decode("utf-8")
    assert text.splitlines()[0] == ("H,QUALCONT,1,QC-401005-20260501,2026-05-02T06:00:00+00:00,401005,"
                                    "福岡県国民健康保険団体連合会")
    assert text.splitlines()[1] == "D,1,P100,H10,,401000,2020-04-01,move_in,,"
    body = "".join(line + "\n" for line in text.splitlines()[1:-1])
    assert text.splitlines()[-1] == f"T,2,{hashlib.sha256(body.encode()).hexdigest()}"
    parsed = parse_file(data)
    assert parsed.kind == "QUALCONT" and len(parsed.records) == 2
    assert parsed.records[1]["lost_on"] == "2026-05-01" and parsed.records[1]["prefecture_insured_id"] == "FK0002"


def test_errors_name_line_and_field() -> None:
    text = good().decode()
    assert errors_of(text.replace("2020-04-01", "2020-13-01").encode()) == [(2, "acquired_on"), (4, "checksum")]
    assert errors_of(text.replace("T,2,", "T,3,").encode()) == [(4, "record_count")]
    assert errors_of(text.replace("H,QUALCONT,1", "H,QUALCONT,2").encode()) == [(1, "layout_version")]
    assert errors_of(text.replace("H,QUALCONT", "H,OTHER").encode()) == [(1, "kind")]
    assert errors_of(text.replace(",move_out\n", ",birth\n").encode())[0] == (3, "lose_reason")
    assert errors_of(text.encode("utf-8").replace(b"\n", b"\r\n"))[0][1] == "-"
    assert errors_of(text.rstrip("\n").encode()) == [(4, "-")]


def test_a_my_number_shaped_id_rejects_the_file() -> None:
    text = good().decode().replace("P100", "123456789018")
    assert (2, "person_id") in errors_of(text.encode())


def test_we_never_write_what_we_would_reject() -> None:
    with pytest.raises(FileRejected):
        build_file("QUALCONT", "X1", [ContinuityRow("123456789018", "H1", "401000", date(2020, 1, 1), "birth")],
                   "401005", "fed")
    with pytest.raises(ValueError):
        build_file("QUALCONT", "X1", [ContinuityRow("P,1", "H1", "401000", date(2020, 1, 1), "birth")], "401005", "f")


def test_carry_over_months_within_the_year_before_the_move() -> None:
    row = CarryOverRow("H20", "P300", "401307", "401005", date(2026, 4, 10), ("2025-06", "2025-09", "2026-01"))
    parsed = parse_file(build_file("KOGAKU", "KG-401307-202604", [row], "401307", "401005", AT))
    assert parsed.records[0]["benefit_months"] == "2025-06;2025-09;2026-01"
    with pytest.raises(FileRejected, match="benefit_months"):
        build_file("KOGAKU", "KG-1", [CarryOverRow("H20", "P300", "401307", "401005", date(2026, 4, 10),
                                                   ("2024-01",))], "401307", "401005", AT)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=255))
def test_any_single_byte_change_is_detected_or_harmless(pos: int, value: int) -> None:
    data = bytearray(good())
    pos %= len(data)
    if data[pos] == value:
        return
    data[pos] = value
    try:
        parsed = parse_file(bytes(data))
    except FileRejected:
        return
    # accepted only if the change left the data records intact (e.g. inside the header's sender name)
    assert [dict(r) for r in parsed.records] == [dict(r) for r in parse_file(good()).records]


@pytest.mark.slow
def test_a_prefecture_sized_daily_file_validates_whole() -> None:
    rows = [ContinuityRow(f"P{n}", f"H{n // 3}", "401000", date(2020, 4, 1), "move_in") for n in range(200_000)]
    data = build_file("QUALCONT", "QC-BIG", rows, "401005", "fed", AT)
    assert len(parse_file(data).records) == 200_000
    broken = data.replace(b"D,150000,P149999,", b"D,150000,P149 999,")
    with pytest.raises(FileRejected) as e:
        parse_file(broken)
    assert (150_001, "person_id") in [(x.line, x.field) for x in e.value.errors]
