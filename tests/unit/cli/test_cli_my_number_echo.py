"""Probe: the `kokuho` command line echoed a My Number given to it — in a file name (`--case`, `--logs`), an argparse
refusal (an unknown command or choice, an unrecognised option, a value that is no integer) and a key of a JSON case
(`kokuho kogaku`, `kokuho late-charge`, a key given twice in any case; `kokuho premium` already named an unknown
key without it). None may stand in what
the command prints (interfaces.md; the assessment's III-3 リスク3): an argument holding one is refused before anything
runs (it would stay in the shell history and the process list), exit 2 with the reason; `kokuho mynumber validate`
takes its number as before, and argparse's own refusals never repeat one."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from kokuho.cli.main import main
from kokuho.identity.mynumber import check_digit, count_my_numbers

BASE = "12345678901"
NUMBER = BASE + str(check_digit(BASE))
FULL_WIDTH = NUMBER.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
SHAPES = (NUMBER, f"{NUMBER[:4]}-{NUMBER[4:8]}-{NUMBER[8:]}", f"{NUMBER[:4]} {NUMBER[4:8]} {NUMBER[8:]}", FULL_WIDTH)


def run(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str | None = None) -> tuple[int, str]:
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's refusals
        code = int(exc.code or 0)
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    return code, out + err


def leaked(text: str) -> int:
    return count_my_numbers(text, inside_identifiers=True)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("argv", [
    ["late-charge", "--case", "/tmp/x{n}.json"], ["premium", "--case", "{n}"], ["kogaku", "--case", "/tmp/{n}"],
    ["trail", "scan", "--logs", "/tmp/{n}"], ["trail", "scan", "--logs", "/tmp", "--bulk-read-threshold", "x{n}"],
    ["trail", "validate", "--logs", "/tmp/{n}", "--public-keys", "/tmp/{n}.json"],
    ["audit", "verify", "--chain", "{n}"], ["requests", "{n}"], ["bogus{n}"], ["mynumber", "{n}"],
    ["mynumber", "validate", "{n}", "--x{n}"],
])
def test_a_my_number_on_the_command_line_is_never_printed(argv: list[str], shape: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, printed = run([a.replace("{n}", shape) for a in argv], capsys)
    assert code == 2 and printed.strip()
    assert leaked(printed) == 0


def test_a_refused_argument_is_named_by_its_place_and_nothing_runs(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / f"case-{NUMBER}.json"
    case.write_text(json.dumps({"fiscal_year": 2024, "installments": [], "as_of": "2025-03-31"}), encoding="utf-8")
    code, printed = run(["late-charge", "--case", str(case)], capsys)
    assert code == 2 and "argument 3" in printed and "My Number" in printed and leaked(printed) == 0
    assert not printed.lstrip().startswith("{")  # the case was not read


def test_my_number_validate_still_takes_its_number(capsys: pytest.CaptureFixture[str]) -> None:
    for shape in SHAPES:
        code, printed = run(["mynumber", "validate", shape], capsys)
        assert code == 0 and leaked(printed) == 0


@pytest.mark.parametrize("command", ["kogaku", "late-charge", "premium"])
def test_a_case_key_holding_a_my_number_is_named_never_echoed(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    for shape in SHAPES:
        for case in (json.dumps({f"x{shape}": 1}, ensure_ascii=False), f'{{"{shape}": 1, "{shape}": 2}}'):
            code, printed = run([command, "--case", "-"], capsys, stdin=case)
            assert code == 2 and "(a field whose name holds a My Number)" in printed, printed
            assert leaked(printed) == 0


@pytest.mark.parametrize("command", ["checkup-stats", "collection-stats"])
def test_a_statistics_document_holding_a_my_number_is_not_drawn(command: str, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Probe: `kokuho checkup-stats` wrote a ward name holding a My Number into its CSV (and chart) as the document
    gave it. A statistics document of the API holds figures, never a person: one holding a My Number anywhere is
    refused (exit 2, nothing written), by both commands (kokuho_local.cli.stats_input)."""
    import importlib

    from kokuho_local.cli.main import main as local_main

    doc = importlib.import_module(f"test_{command.replace('-', '_')}").figures()
    text = json.dumps(doc, ensure_ascii=False)
    for ward in ("戸畑区", "小倉北区"):
        text = text.replace(f'"{ward}"', f'"{ward} {FULL_WIDTH}"')
    source, out = tmp_path / "stats.json", tmp_path / "out.csv"
    source.write_text(text, encoding="utf-8")
    assert local_main([command, "--stats", str(source), "--csv", str(out)]) == 2
    printed = capsys.readouterr()
    assert not out.exists() and leaked(printed.out + printed.err) == 0 and "My Number" in printed.err


def test_a_cloudtrail_account_directory_is_an_account_not_a_my_number(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """CloudTrail lays its logs out under AWSLogs/<account id>/…: an account whose twelve digits happen to pass the
    check digit (one in eleven) is an account, so a command given such a folder is not refused for it."""
    for logs in (tmp_path / "AWSLogs" / NUMBER / "CloudTrail", tmp_path / "AWSLogs" / "o-abcdefghij" / NUMBER):
        logs.mkdir(parents=True)
        assert run(["trail", "scan", "--logs", str(logs), "--json"], capsys)[0] == 0
    elsewhere = tmp_path / "x" / NUMBER
    elsewhere.mkdir(parents=True)
    code, printed = run(["trail", "scan", "--logs", str(elsewhere), "--json"], capsys)
    assert code == 2 and "My Number" in printed and leaked(printed) == 0


def _premium_case(*totals: int) -> dict[str, object]:
    members = [{"id": f"P{i}", "birth_date": "1975-06-15", "insured": [{"from": "2024-04-01", "until": None}],
                "income": {"total": t, "salary": 0, "pension": 0, "declared": True},
                "salary_or_pension_earner": False, "involuntary_unemployment": None, "expected_birth": None,
                "specific_same_household": False} for i, t in enumerate(totals, 1)]
    return {"fiscal_year": 2024, "household": {"householder_id": "P1", "specific_household": None,
                                               "members": members}}


@pytest.mark.parametrize(("totals", "field"), [
    ((int(NUMBER),), "household.members[0].income.total"),
    # two incomes that add up to one: the household's judged income (軽減判定所得) is printed by --explain
    ((int(NUMBER) // 2, int(NUMBER) - int(NUMBER) // 2), "household.members"),
])
@pytest.mark.parametrize("explain", [[], ["--explain"]])
def test_a_my_number_typed_as_an_income_is_refused_not_printed_back(
        totals: tuple[int, ...], field: str, explain: list[str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    # An income of twelve digits came back as 'judged_income' and '総所得金額等 123,456,789,018円' (the thousands
    # form is no shape the leak scan reads): every amount of a case now stays below twelve digits, its sum too.
    case = tmp_path / "case.json"
    case.write_text(json.dumps(_premium_case(*totals)), "utf-8")
    code, printed = run(["premium", "--case", str(case), *explain], capsys)
    assert code == 2 and printed.startswith(f"{field}:")
    assert NUMBER not in printed.replace(",", "") and leaked(printed) == 0


def test_the_largest_income_below_twelve_digits_is_still_assessed(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(_premium_case(99_999_999_999)), "utf-8")
    code, printed = run(["premium", "--case", str(case)], capsys)
    assert code == 0 and json.loads(printed)["annual"] > 0


@pytest.mark.parametrize("explain", [[], ["--explain"]])
def test_bills_adding_up_to_twelve_digits_are_refused_not_printed_back(
        explain: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Each bill ≤ 10^10 yen, but thirteen of them made a benefit of twelve digits: the household's total is bounded.
    rest = int(NUMBER) - 12 * 10**10
    bills = [{"provider": f"H{i}", "setting": "inpatient", "dental": False, "total_cost": c, "copay": c}
             for i, c in enumerate([10**10] * 12 + [rest])]
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"service_month": "2024-10", "household": {
        "bracket": "ア", "prior_benefit_months": [], "members": [{"id": "A", "age": 45, "bills": bills}]}}), "utf-8")
    code, printed = run(["kogaku", "--case", str(case), *explain], capsys)
    assert code == 2 and "household.members" in printed
    assert leaked(printed) == 0 and NUMBER[:9] not in printed.replace(",", "")
