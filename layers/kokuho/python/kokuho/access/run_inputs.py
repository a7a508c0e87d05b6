"""Fields of a scheduled workflow's StartExecution input, as its first step reads them: a whole number in a range,
and no field the run does not take. A refusal names the field, never the value, and a field whose name holds a My
Number is named by what it is (kokuho.identity.mynumber.shown_field): the step's error is the execution's `cause`
in Step Functions' history and a line of the function's log. Every refusal of a run's input is an InputRefused (a
ValueError: the type the steps' callers and tests read): its class name is the Lambda's errorType, which the
workflows never retry (statemachines/*.asl.json: a refused input is refused again). Days: kokuho.dates.tokyo."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, overload

from kokuho.identity.mynumber import shown_field

__all__ = ["InputRefused", "flag", "one_of", "only_fields", "run_fields", "text", "whole_number"]


class InputRefused(ValueError):
    """A run's input refused (the message names the field, never the value): retrying cannot help."""


@overload
def whole_number(event: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int: ...


@overload
def whole_number(event: Mapping[str, Any], name: str, default: None, low: int, high: int) -> int | None: ...


def whole_number(event: Mapping[str, Any], name: str, default: int | None, low: int, high: int) -> int | None:
    """The field as an integer from low to high (a JSON integer: never a boolean, a fraction or a string), the
    default when absent; an explicit null is refused like any other value of the wrong type (a default of None
    is the run's "not given")."""
    if name not in event:
        return default
    value = event[name]
    if value is None and default is None:
        return None
    if type(value) is not int or not low <= value <= high:
        raise InputRefused(f"{name}: must be an integer from {low} to {high}")
    return value


def only_fields(event: Mapping[str, Any], allowed: Collection[str]) -> None:
    """Refuse the first field (by name) the run does not take."""
    unknown = sorted(str(k) for k in event if k not in allowed)
    if unknown:
        raise InputRefused(f"{shown_field(unknown[0])}: unknown field")


def run_fields(given: Any, allowed: Collection[str]) -> Mapping[str, Any]:
    """A run's StartExecution input as its step is handed it: an object holding only the fields the run takes."""
    if not isinstance(given, Mapping):
        raise InputRefused("input: must be an object")
    only_fields(given, allowed)
    return given


def one_of(event: Mapping[str, Any], name: str, choices: Collection[str], default: str) -> str:
    """The field as one of the run's named choices (a mode, a kind), the default when absent."""
    value = event.get(name, default)
    if not isinstance(value, str) or value not in choices:
        raise InputRefused(f"{name}: must be one of {', '.join(choices)}")
    return value


def text(event: Mapping[str, Any], name: str, longest: int = 200) -> str:
    """A required field as a JSON string of 1 to `longest` characters: a list, a number or null is refused, never
    read as its str() (`["P100"]` a person id); what it means is the run's to check."""
    value = event.get(name)
    if not isinstance(value, str) or not 1 <= len(value) <= longest:
        raise InputRefused(f"{name}: must be a text of 1 to {longest} characters")
    return value


def flag(event: Mapping[str, Any], name: str) -> bool:
    """The field as a JSON boolean, false when absent: "true" or 1 is refused, never read one way or the other."""
    value = event.get(name, False)
    if type(value) is not bool:
        raise InputRefused(f"{name}: must be true or false")
    return value
