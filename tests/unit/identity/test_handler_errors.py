"""A Lambda's unhandled error leaves AWS three ways that no logger filter sees: the invocation's answer, the
execution's cause (Step Functions history, the run's output) and the runtime's own log line. The embedded AWS
redacted those answers itself, which hid from the tests an error repeating a My Number (the 情報照会 step's refusal
echoed its item). Every run step and the vault's hand-over now raise a stand-in of the same type name with the
message redacted; the embedded AWS answers as AWS does."""

from __future__ import annotations

import pytest

from kokuho.access.run_inputs import InputRefused
from kokuho.identity.mynumber import check_digit, count_my_numbers
from kokuho.identity.redaction import errors_without_my_numbers

NUMBER = "40130700012" + str(check_digit("40130700012"))


class Stubborn(Exception):
    def __str__(self) -> str:
        return f"cannot store {NUMBER}"


@pytest.mark.parametrize("error", [InputRefused(f"item: {NUMBER} is not a permitted item"),
                                   ValueError(f"{NUMBER[:4]}-{NUMBER[4:8]}-{NUMBER[8:]}"), Stubborn()])
def test_an_error_holding_a_my_number_leaves_redacted_under_its_own_type_name(error: Exception) -> None:
    @errors_without_my_numbers
    def step(event: object, context: object) -> None:
        raise error

    with pytest.raises(Exception) as raised:
        step({}, None)
    assert type(raised.value).__name__ == type(error).__name__  # what the state machines' retriers match
    assert count_my_numbers(str(raised.value), inside_identifiers=True) == 0
    chained = raised.value.__cause__ or raised.value.__context__
    assert chained is None or count_my_numbers(str(chained), inside_identifiers=True) == 0


def test_an_error_holding_none_leaves_as_it_is() -> None:
    refused = InputRefused("on: must be a date")

    @errors_without_my_numbers
    def step(event: object, context: object) -> None:
        raise refused

    with pytest.raises(InputRefused) as raised:
        step({}, None)
    assert raised.value is refused


def test_a_number_in_the_errors_cause_is_not_carried_either() -> None:
    @errors_without_my_numbers
    def step(event: object, context: object) -> None:
        try:
            raise KeyError(NUMBER)
        except KeyError as exc:
            raise RuntimeError("the store failed") from exc

    with pytest.raises(Exception) as raised:
        step({}, None)
    assert type(raised.value).__name__ == "RuntimeError"
    cause = raised.value.__cause__
    assert cause is not None and count_my_numbers(str(cause), inside_identifiers=True) == 0


def test_every_run_step_is_guarded() -> None:
    from kokuho.access.run_identity import acts_as_run

    @acts_as_run("monthly-assessment", "賦課", run_id=lambda e, c: "run-1")
    def step(event: object, context: object) -> None:
        raise InputRefused(f"key: {NUMBER}")

    with pytest.raises(Exception) as raised:
        step({}, None)
    assert type(raised.value).__name__ == "InputRefused"
    assert count_my_numbers(str(raised.value), inside_identifiers=True) == 0
