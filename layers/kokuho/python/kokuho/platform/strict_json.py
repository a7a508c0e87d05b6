"""JSON read strictly, the one rule of every reader of what comes from outside (an API body, an intake file's
line, a case on the command line): a key given twice in one object is refused — `json.loads` keeps the last value
silently, so a document saying two things would count as whichever came last — and so are NaN and Infinity, which
are not JSON. Each reader turns KeyTwice / NotJson into its own error (naming the key through `shown_field`,
never a value)."""

from __future__ import annotations

import json
from typing import Any


class KeyTwice(ValueError):
    """A key given twice in one object (`key`: as the document gave it — name it through `shown_field`)."""

    def __init__(self, key: str) -> None:
        super().__init__("a key given twice in one object")
        self.key = key


class NotJson(ValueError):
    """NaN, Infinity or -Infinity: Python's json takes them, JSON does not."""

    def __init__(self, constant: str) -> None:
        super().__init__(f"{constant} is not JSON")


def one_value_a_key(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise KeyTwice(key)
        out[key] = value
    return out


def no_constant(name: str) -> Any:
    raise NotJson(name)


def loads(text: str | bytes, **hooks: Any) -> Any:
    """`json.loads` by this rule (further hooks, e.g. parse_int, as json.loads takes them)."""
    return json.loads(text, object_pairs_hook=one_value_a_key, parse_constant=no_constant, **hooks)


__all__ = ["KeyTwice", "NotJson", "loads", "no_constant", "one_value_a_key"]
