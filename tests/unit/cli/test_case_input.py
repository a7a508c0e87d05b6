"""Malformed input to `kokuho premium` and `kokuho kogaku` (issue 16 item 2): whatever the bytes, exit 2
with a message naming the field or the byte offset — never a traceback."""

from __future__ import annotations

import copy
import errno
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kokuho.cli.main import main

PREMIUM: dict[str, Any] = {
    "fiscal_year": 2024,
    "household": {"householder_id": "P1", "specific_household": None, "members": [
        {"id": "P1", "birth_date": "1975-06-15", "insured": [{"from": "2024-04-01", "until": None}],
         "income": {"total": 2_500_000, "salary": 2_500_000, "pension": 0, "declared": True},
         "salary_or_pension_earner": True, "involuntary_unemployment": None, "expected_birth": None,
         "specific_same_household": False}]},
}
KOGAKU: dict[str, Any] = {
    "service_month": "2024-10",
    "household": {"bracket": "ウ", "prior_benefit_months": ["2024-05", "2024-07"], "members": [
        {"id": "A", "age": 45, "bills": [{"provider": "H1", "setting": "inpatient", "dental": False,
                                         "total_cost": 1_000_000, "copay": 300_000}]}]},
}
COMMANDS = {"premium": PREMIUM, "kogaku": KOGAKU}


def run(command: str, data: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    path = tmp_path / "case.json"
    path.write_bytes(data)
    code = main([command, "--case", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def encoded(case: Any) -> bytes:
    return json.dumps(case, ensure_ascii=False).encode("utf-8")


def rejected(command: str, data: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run(command, data, tmp_path, capsys)
    assert (code, out) == (2, ""), err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("command", COMMANDS)
def test_valid_cases_still_pass(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(command, encoded(COMMANDS[command]), tmp_path, capsys)
    assert code == 0, err
    assert json.loads(out)
    # a byte-order mark (Windows editors) is not an error
    assert run(command, b"\xef\xbb\xbf" + encoded(COMMANDS[command]), tmp_path, capsys)[1] == out


@pytest.mark.parametrize("command", COMMANDS)
def test_json_nested_1000_deep_is_refused_at_its_offset(command: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    err = rejected(command, b"[" * 1000 + b"]" * 1000, tmp_path, capsys)
    assert "nested deeper than 20 levels (byte offset 20)" in err
    # inside a field of an otherwise good case: the offset points into the file; the id is 4 levels down
    # (case, household, members, member), so the 17th bracket put in its place is the 21st level
    case = copy.deepcopy(COMMANDS[command])
    case["household"]["members"][0]["id"] = "@"
    text = encoded(case)
    at = text.index(b'"@"')
    deep = text[:at] + b"[" * 1000 + b"]" * 1000 + text[at + 3:]
    assert f"byte offset {at + 16}" in rejected(command, deep, tmp_path, capsys)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_that_is_not_utf8_names_the_byte(command: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    case = copy.deepcopy(COMMANDS[command])
    case["household"]["members"][0]["id"] = "é"
    text = encoded(case).replace("é".encode(), "é".encode("latin-1"))  # a Latin-1 file
    offset = text.index(b"\xe9")
    assert f"not UTF-8 (byte offset {offset})" in rejected(command, text, tmp_path, capsys)


@pytest.mark.parametrize("command", COMMANDS)
def test_not_json_names_line_column_and_offset(command: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    err = rejected(command, "{\n \"あ\": tru }".encode(), tmp_path, capsys)
    assert "line 2, column 7, byte offset 10" in err


@pytest.mark.parametrize("command", COMMANDS)
def test_a_number_of_thousands_of_digits_is_refused_at_its_offset(command: str, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    text = b'{"x": ' + b"9" * 5000 + b"}"
    assert "more than 100 digits (byte offset 6)" in rejected(command, text, tmp_path, capsys)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_field_given_twice_in_one_object_is_refused(command: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    text = encoded(COMMANDS[command])
    doubled = text[:-1] + b', "household": {}}'
    assert "household: the same field is given twice" in rejected(command, doubled, tmp_path, capsys)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Python's json takes them; a case holding one is refused by the same rule as an API body or a file's line
    text = encoded(KOGAKU).replace(b'"age": 45', f'"age": {constant}'.encode())
    assert f"{constant} is not JSON" in rejected("kogaku", text, tmp_path, capsys)


def test_premium_income_of_10_to_the_30_is_refused_with_its_bound(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    case = copy.deepcopy(PREMIUM)
    case["household"]["members"][0]["income"]["total"] = 10**30
    err = rejected("premium", encoded(case), tmp_path, capsys)
    assert "household.members[0].income.total: must be ≤ 99,999,999,999" in err


def test_premium_dates_far_in_the_future_are_refused_naming_the_field(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    case = copy.deepcopy(PREMIUM)
    case["household"]["members"][0]["involuntary_unemployment"] = {"left_on": "9999-12-31"}
    err = rejected("premium", encoded(case), tmp_path, capsys)
    assert "household.members[0].involuntary_unemployment.left_on: must be ≤ 2200-12-31" in err
    case = copy.deepcopy(PREMIUM)
    case["household"]["members"][0]["birth_date"] = "9990-01-01"
    case["household"]["members"][0]["insured"] = []
    assert "household.members[0].birth_date: must be ≤ 2200-12-31" in rejected("premium", encoded(case), tmp_path,
                                                                                capsys)


def test_kogaku_total_cost_of_10_to_the_30_is_refused_with_its_bound(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    case = copy.deepcopy(KOGAKU)
    case["household"]["members"][0]["bills"][0]["total_cost"] = 10**30
    err = rejected("kogaku", encoded(case), tmp_path, capsys)
    assert "household.members[0].bills[0].total_cost: must be at most 10,000,000,000" in err


def test_kogaku_prior_benefit_month_given_twice_is_refused(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    case = copy.deepcopy(KOGAKU)
    case["household"]["prior_benefit_months"] = ["2024-05", "2024-07", "2024-05"]
    err = rejected("kogaku", encoded(case), tmp_path, capsys)
    assert "household.prior_benefit_months[2]: the same month is given twice" in err


@pytest.mark.parametrize("command", COMMANDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_corruption_of_a_case_exits_0_or_2(command: str, data: st.DataObject, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Bytes cut, inserted or replaced anywhere in a valid case: the command answers or refuses, no crash."""
    text = bytearray(encoded(COMMANDS[command]))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        action = data.draw(st.sampled_from(["cut", "insert", "replace"]))
        chunk = data.draw(st.sampled_from([b"[", b"{", b"}", b"\"", b"-", b"9" * 40, b"\xff", b"\xe3\x81",
                                           b"null", b"1e999", b"NaN", b"0", b"\"2024-02-30\"", b",", b":"]))
        if action == "cut":
            del text[at:at + len(chunk)]
        elif action == "insert":
            text[at:at] = chunk
        else:
            text[at:at + len(chunk)] = chunk
    code, out, err = run(command, bytes(text), tmp_path, capsys)
    assert code in (0, 2), err
    assert "Traceback" not in err
    assert (code == 0) == bool(out) and (code == 0 or err.strip())


# --- probe: standard input closed, standard output that cannot be written ---------------------------------------

LATE_CHARGE: dict[str, Any] = {"fiscal_year": 2024, "installments": [{"number": 1, "amount": 25300}],
                               "as_of": "2025-03-31"}
IO_COMMANDS = {**COMMANDS, "late-charge": LATE_CHARGE}


@pytest.mark.parametrize("command", IO_COMMANDS)
def test_a_closed_standard_input_is_refused(command: str, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # `kokuho … --case - <&-`: sys.stdin is None, and reading it raised AttributeError (a traceback, exit 1).
    monkeypatch.setattr(sys, "stdin", None)
    code = main([command, "--case", "-"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--case: cannot read standard input" in err


class _FullDisk(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("command", IO_COMMANDS)
def test_an_answer_that_cannot_be_written_exits_1_with_a_message(command: str, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # `kokuho … > /dev/full` (or a closed pipe): the write's OSError came out as a traceback.
    path = tmp_path / "case.json"
    path.write_bytes(encoded(IO_COMMANDS[command]))
    monkeypatch.setattr(sys, "stdout", _FullDisk())
    code = main([command, "--case", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.endswith("kokuho: cannot write the answer to standard output (No space left on device)\n")
