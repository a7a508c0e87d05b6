"""`kokuho late-charge --case FILE|-` as interfaces.md states it: the output's shape and values, and exit 2
naming the field for every refusal the contract lists."""

from __future__ import annotations

import copy
import io
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from kokuho.cli.main import main

EXAMPLE: dict[str, Any] = {
    "fiscal_year": 2024,
    "installments": [{"number": 1, "amount": 25300}, {"number": 2, "amount": 25300, "due": "2024-07-31"}],
    "payments": [
        {"on": "2024-09-15", "amount": 25300, "installment": 1},
        {"on": "2024-10-01", "amount": 10000},
    ],
    "as_of": "2025-03-31",
}


def run(case: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, Any, str]:
    path = tmp_path / "case.json"
    path.write_text(case if isinstance(case, str) else json.dumps(case), encoding="utf-8")
    code = main(["late-charge", "--case", str(path), *extra])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else out), err


def test_the_contracts_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(EXAMPLE, tmp_path, capsys)
    assert code == 0
    first, second = out["installments"]
    assert first == {
        "number": 1, "due": "2024-07-01", "reminder_by": "2024-07-21", "principal": 25300, "paid": 25300,
        "unpaid": 0, "late_charge": 0, "final": True,
        "segments": [{"from": "2024-07-02", "to": "2024-08-01", "days": 31, "rate": "2.4", "base": 25000},
                     {"from": "2024-08-02", "to": "2024-09-15", "days": 45, "rate": "8.7", "base": 25000}]}
    # the given due date is used exactly; the unnamed 10,000 goes to installment 2 (1 is paid)
    assert second["due"] == "2024-07-31" and second["paid"] == 10000 and second["unpaid"] == 15300
    assert not second["final"]
    assert second["segments"][-1] == {"from": "2024-10-02", "to": "2025-03-31", "days": 181, "rate": "8.7",
                                      "base": 15000}
    assert out["late_charge_total"] == 0 and out["overpayment"] == 0


def test_charge_total_and_overpayment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = {"fiscal_year": 2024, "installments": [{"number": 5, "amount": 100000}, {"number": 6, "amount": 100000}],
            "payments": [{"on": "2025-03-31", "amount": 250000}], "as_of": "2025-03-31"}
    code, out, _ = run(case, tmp_path, capsys)
    assert code == 0
    # 5: due 2024-10-31, paid 2025-03-31: 100,000 × (30 × 2.4 + 121 × 8.7) ÷ 36,500 = 3,081.37 → 3,000
    assert [i["late_charge"] for i in out["installments"]][0] == 3000
    assert all(i["final"] for i in out["installments"])
    assert out["late_charge_total"] == sum(i["late_charge"] for i in out["installments"])
    assert out["overpayment"] == 50000


def test_standard_input_and_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(EXAMPLE).encode())))
    assert main(["late-charge", "--case", "-", "--explain"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["late_charge_total"] == 0  # stdout stays the contract's JSON
    assert "令和6年7月2日から令和6年8月1日まで 31日" in err and "年8.7%" in err


def _with(path: list[Any], value: Any) -> dict[str, Any]:
    case = copy.deepcopy(EXAMPLE)
    target: Any = case
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return case


_DELETE = object()

REFUSALS = [
    ("unknown top field", ["extra"], 1, "extra"),
    ("unknown installment field", ["installments", 0, "month"], 6, "month"),
    ("unknown payment field", ["payments", 0, "slip"], "X", "slip"),
    ("number 0", ["installments", 0, "number"], 0, "number"),
    ("number 11", ["installments", 0, "number"], 11, "number"),
    ("number twice", ["installments", 1, "number"], 1, "number"),
    ("negative amount", ["installments", 0, "amount"], -1, "amount"),
    ("amount as string", ["installments", 0, "amount"], "25300", "amount"),
    ("amount as decimal", ["installments", 0, "amount"], 25300.0, "amount"),
    ("amount as bool", ["payments", 1, "amount"], True, "amount"),
    ("negative payment", ["payments", 1, "amount"], -5, "amount"),
    ("impossible due", ["installments", 1, "due"], "2024-02-30", "due"),
    ("datetime as date", ["installments", 1, "due"], "2024-07-31T00:00:00", "due"),
    ("full-width digits in a date", ["installments", 1, "due"], "２０２４-07-31", "due"),
    ("a 和暦 date", ["installments", 1, "due"], "令和6年7月31日", "due"),
    ("an era-letter date", ["as_of"], "R07-03-31", "as_of"),
    ("a compact date", ["payments", 0, "on"], "20240915", "on"),
    ("a week date", ["payments", 0, "on"], "2024-W37-7", "on"),
    ("impossible payment day", ["payments", 0, "on"], "2024-13-01", "on"),
    ("payment before the fiscal year", ["payments", 0, "on"], "2024-03-31", "on"),
    ("installment not listed", ["payments", 0, "installment"], 3, "installment"),
    ("as_of before a payment", ["as_of"], "2024-09-30", "as_of"),
    ("as_of into a year without rates", ["as_of"], "2027-01-05", "as_of"),
    ("missing fiscal_year", ["fiscal_year"], _DELETE, "fiscal_year"),
    ("missing as_of", ["as_of"], _DELETE, "as_of"),
    # probe: the calendar's last days crashed the arithmetic (OverflowError, a traceback, exit 1)
    ("due at the calendar's end", ["installments", 1, "due"], "9999-12-31", "due"),
    ("as_of at the calendar's end", ["as_of"], "9999-12-31", "as_of"),
    ("as_of past the last day a case names", ["as_of"], "2201-01-01", "as_of"),
]


@pytest.mark.parametrize(("label", "path", "value", "field"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals_exit_2_naming_the_field(label: str, path: list[Any], value: Any, field: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(_with(path, value), tmp_path, capsys)
    assert code == 2, label
    assert out == ""
    assert field in err.split(":")[0], err
    assert "Traceback" not in err


@pytest.mark.parametrize("raw", ["", "[", "[]", "{\"fiscal_year\": 2024, \"fiscal_year\": 2025}",
                                 "[" * 2000 + "]" * 2000, "{\"fiscal_year\": " + "9" * 5000 + "}"])
def test_malformed_files_exit_2_without_a_traceback(raw: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(raw, tmp_path, capsys)
    assert code == 2 and err and "Traceback" not in err


# --- probe: a My Number in an amount, and dates spelled with a line break ----------------------------------

MY_NUMBER = 123456789018  # twelve digits whose check digit is valid


@pytest.mark.parametrize(("label", "path"), [("installment amount", ["installments", 0, "amount"]),
                                             ("payment amount", ["payments", 1, "amount"])])
def test_a_my_number_in_an_amount_is_refused_without_echo(label: str, path: list[Any], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    # The case took any amount below 10^12: a My Number pasted into an amount came back on stdout as the
    # installment's principal and unpaid (or as the overpayment). No premium comes near 100,000,000 yen.
    code, out, err = run(_with(path, MY_NUMBER), tmp_path, capsys)
    assert (code, out) == (2, ""), label
    assert "amount" in err.split(":")[0]
    assert str(MY_NUMBER) not in err


def test_payments_adding_up_to_a_my_number_are_refused_without_echo(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # Each payment within the bound, their total a My Number: it came back as the overpayment.
    whole, rest = divmod(MY_NUMBER, 100_000_000)
    payments = [{"on": "2024-10-01", "amount": 100_000_000}] * whole + [{"on": "2024-10-01", "amount": rest}]
    case = {"fiscal_year": 2024, "installments": [], "payments": payments, "as_of": "2025-03-31"}
    code, out, err = run(case, tmp_path, capsys)
    assert (code, out) == (2, "")
    assert err.startswith("payments[1].amount:"), err
    assert str(MY_NUMBER) not in err


def test_amounts_up_to_the_bound_are_taken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case: dict[str, Any] = {"fiscal_year": 2024, "installments": [{"number": 1, "amount": 100_000_000}],
                            "payments": [{"on": "2024-07-01", "amount": 100_000_000}], "as_of": "2025-03-31"}
    code, out, _ = run(case, tmp_path, capsys)
    assert code == 0 and out["installments"][0]["final"] and out["overpayment"] == 0
    case["installments"][0]["amount"] = 100_000_001
    assert run(case, tmp_path, capsys)[0] == 2


@pytest.mark.parametrize("value", ["2024-07-31\n", "2024-07-31\r\n"])
def test_a_date_with_a_line_break_is_not_yyyy_mm_dd(value: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # The pattern's $ matched before a final newline: refused, but as "not a date that exists", the raw
    # line break printed back into the one-line message.
    code, out, err = run(_with(["installments", 1, "due"], value), tmp_path, capsys)
    assert (code, out) == (2, "")
    assert err == "installments[1].due: must be a date YYYY-MM-DD\n"


def test_explain_says_why_an_installment_has_no_charge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # It said 「納期限後の未納がないため」 for every such installment, also one with 999 yen unpaid since its due
    # date: a clerk reading it aloud told the payer nothing was owed.
    case = {"fiscal_year": 2025,
            "installments": [{"number": 1, "amount": 3000}, {"number": 2, "amount": 3000},
                             {"number": 3, "amount": 3000}],
            "payments": [{"on": "2025-06-30", "amount": 2001, "installment": 1},
                         {"on": "2025-07-31", "amount": 3000, "installment": 2}],
            "as_of": "2025-08-15"}  # installment 3 is due on 1 September 2025
    code, _, err = run(case, tmp_path, capsys, "--explain")
    assert code == 0
    first, second, third = (block.splitlines()[1] for block in err.split("第")[1:])
    assert first == "  納期限後の未納 999円 が1,000円未満のため延滞金はかかりません"
    assert second == "  納期限までに完納のため延滞金はかかりません"
    assert third == "  納期限を過ぎていないため延滞金はかかりません"


@pytest.mark.parametrize("path", [["fiscal_year"], ["as_of"], ["installments", 0, "number"], ["installments", 1, "due"],
                                  ["payments", 0, "on"], ["payments", 0, "installment"]])
@pytest.mark.parametrize("shape", [MY_NUMBER, str(MY_NUMBER), "1234-5678-9018", "１２３４５６７８９０１８"])
def test_a_my_number_in_any_field_is_refused_without_echo(path: list[Any], shape: Any, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(_with(path, shape), tmp_path, capsys)
    assert (code, out) == (2, "")
    assert err.split(":")[0].endswith(str(path[-1]))
    digits = "".join(c for c in unicodedata.normalize("NFKC", err) if c.isdigit())
    assert str(MY_NUMBER) not in digits
