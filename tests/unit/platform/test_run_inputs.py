"""A scheduled workflow's StartExecution input is checked by its first step before anything is read: a field of
the wrong type or out of range, or a field no run takes, is refused with a reason naming the field — and a name
or value holding a My Number is never repeated (the step's error message is the execution's `cause` in Step
Functions' history and a line of the function's log). The rules: kokuho.access.run_inputs (numbers, fields)
and kokuho.dates.tokyo.day_of_run (days). The handlers are called as their Lambda is, without the run's session
(`__wrapped__`): each refusal comes before any AWS call."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from kokuho.identity.mynumber import HIDDEN_FIELD, check_digit, count_my_numbers
from kokuho_local.local_api import api_context

FUNCTIONS = str(Path(__file__).resolve().parents[3] / "functions")
if FUNCTIONS not in sys.path:
    sys.path.insert(0, FUNCTIONS)

ELEVEN = "12345678901"
NUMBER = ELEVEN + str(check_digit(ELEVEN))
HYPHENATED = f"{NUMBER[:4]}-{NUMBER[4:8]}-{NUMBER[8:]}"


def _refusal(handler: Any, event: dict[str, Any]) -> str:
    with pytest.raises(ValueError) as caught:
        handler.__wrapped__(event, api_context())
    message = str(caught.value)
    leaked = count_my_numbers(message, inside_identifiers=True)  # never printed: asserted on the count
    assert leaked == 0
    return message


@pytest.mark.parametrize("key", [NUMBER, HYPHENATED, f"note{NUMBER}"], ids=["plain", "hyphens", "in-a-name"])
def test_a_field_no_run_takes_is_named_without_its_my_number(key: str) -> None:
    from health import medical_cost_notices

    message = _refusal(medical_cost_notices.handler, {key: 1})
    names_it = message == f"{HIDDEN_FIELD}: unknown field"
    assert names_it


@pytest.mark.parametrize("given", [True, 2024.0, "2024", int(NUMBER), 10**400, -1, 1999, 2101, None],
                         ids=["bool", "float", "string", "my-number", "huge", "negative", "low", "high", "null"])
def test_the_statistics_year_is_a_whole_year_in_range(given: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from collection import arrears

    ran: list[int] = []
    monkeypatch.setattr(arrears.arrears_service, "run_statistics", lambda **kw: ran.append(kw["fiscal_year"]))
    message = _refusal(arrears.statistics, {"on": "2024-08-15", "fiscal_year": given})
    assert message == "fiscal_year: must be an integer from 2000 to 2100"
    assert ran == []  # nothing made, nothing stored under that year


@pytest.mark.parametrize("given", [NUMBER, HYPHENATED, int(NUMBER), "20240815", "2024-02-30"],
                         ids=["plain", "hyphens", "json-number", "compact", "no-such-day"])
def test_the_federation_export_day_is_a_day_and_never_repeated(given: object,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from linkage import federation

    monkeypatch.setattr(federation.federation, "wired_source", lambda: None)
    message = _refusal(federation.export, {"kind": "QUALCONT", "day": given})
    assert message.startswith("day: must be a date YYYY-MM-DD")


@pytest.mark.parametrize("event", [{"kind": "KOGAKU", "month": NUMBER}, {"kind": "KOGAKU", "month": HYPHENATED},
                                   {"kind": "KOGAKU", "month": "../../x"}, {"kind": "KOGAKU", "month": "2024-13"},
                                   {"kind": "KOGAKU", "month": 202410}, {"kind": "KOGKU"}, {},
                                   {"kind": "QUALCONT", NUMBER: 1}],
                         ids=["month-my-number", "month-hyphens", "month-traversal", "month-13", "month-number",
                              "kind-typo", "no-kind", "my-number-key"])
def test_the_federation_export_takes_a_kind_and_a_month_it_knows(event: dict[str, Any],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The month made the file's id, its exchange-bucket key (outgoing/KG-<city>-<month>.txt) and its subjects'
    record chain: a My Number there stood in a key and a record, '../' walked out of outgoing/. A kind it did not
    know wrote the daily 資格継続 file instead."""
    from linkage import federation

    written: list[str] = []
    monkeypatch.setattr(federation.federation, "wired_source", lambda: None)
    monkeypatch.setattr(federation.federation, "export_carry_over", lambda *a: written.append("KOGAKU"))
    monkeypatch.setattr(federation.federation, "export_qualification", lambda *a: written.append("QUALCONT"))
    message = _refusal(federation.export, event)
    names_the_field = message.split(":")[0] in ("month", "kind", HIDDEN_FIELD)
    assert names_the_field
    assert written == []


@pytest.mark.parametrize("event", [{"mdoe": "write_off"}, {NUMBER: "demand"}, {"on": "2024-08-15", "note": NUMBER}],
                         ids=["typo", "my-number-key", "extra-field"])
def test_the_arrears_run_takes_only_its_own_fields(event: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A field the 滞納整理 run does not take ran the daily mode silently (`mdoe`: the year-end 不納欠損 never ran)
    and was carried, as given, into the step's output and the statistics step's: the execution's history."""
    from collection import arrears

    ran: list[str] = []
    monkeypatch.setattr(arrears.arrears_service, "run_arrears", lambda **kw: ran.append(kw["mode"]))
    message = _refusal(arrears.run, event)
    assert message.endswith(": unknown field") and ran == []


def test_the_benefit_payment_run_takes_only_its_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """`{"onn": "2025-09-01"}` (a missed day run again, mistyped) paid today's payments instead."""
    from benefits import payment_run

    paid: list[object] = []
    monkeypatch.setattr(payment_run.benefit_payment, "pay", lambda **kw: paid.append(kw["on"]))
    message = _refusal(payment_run.pay, {"onn": "2025-09-01"})
    assert message == "onn: unknown field" and paid == []


@pytest.mark.parametrize("step", ["collection.reminders:handler:run_reminders",
                                  "collection.pension:handler:run_pension_deduction",
                                  "collection.overpayments:run:service.run_overpayments"])
def test_the_daily_collection_runs_take_only_their_day(step: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """督促, 特別徴収 and 還付・充当 runs again for a missed day: `{"onn": …}` ran them for today instead."""
    import importlib

    module_name, handler_name, target = step.split(":")
    module = importlib.import_module(module_name)
    owner: Any = module
    *path, attribute = target.split(".")
    for part in path:
        owner = getattr(owner, part)
    ran: list[object] = []
    monkeypatch.setattr(owner, attribute, lambda **kw: ran.append(kw["on"]))
    message = _refusal(getattr(module, handler_name), {"onn": "2024-07-10"})
    assert message == "onn: unknown field" and ran == []


@pytest.mark.parametrize("event", [{"notices": "assesment"}, {"notices": "Assessment", "fiscal_year": 2024},
                                   {"fiscal_year": 2024, "issued_on": "2024-06-15", "perpart": 10}],
                         ids=["kind-typo", "kind-case", "field-typo"])
def test_the_notice_run_prints_the_payment_notices_only_when_asked_for_them(
        event: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The state machine's choice sends anything but `"notices": "assessment"` to the 納入通知書 print: a misspelt
    kind printed every household's 納入通知書 of the fiscal year instead of the 賦課決定通知書 asked for."""
    from collection import notices

    printed: list[object] = []
    monkeypatch.setattr(notices.notice_service, "print_payment_notices", lambda **kw: printed.append(kw))
    message = _refusal(notices.handler, event)
    assert message.split(":")[0] in ("notices", "perpart") and printed == []


def test_the_voucher_run_names_an_unknown_field_without_its_my_number() -> None:
    from health import vouchers

    message = _refusal(vouchers.issue_year, {HYPHENATED: 2024})
    names_it = message == f"{HIDDEN_FIELD}: unknown field"
    assert names_it
