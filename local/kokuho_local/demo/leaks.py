"""The demo's check that no My Number leaves in what it exchanges (linkage payloads, API responses)."""

from __future__ import annotations

import json
from typing import Any


class LinkageLeak(RuntimeError):
    """A linkage payload carried a My Number-shaped value (the message never repeats it)."""


# Random hex ids and ciphertexts: a run of twelve digits with a valid check digit turns up in them by
# chance (~1 in 2,000 ids), so the shape scan skips them; the exact scan for the city's numbers does not.
_RANDOM_VALUES = frozenset({"request_id", "permit_id", "signature", "envelope", "requester_public_key"})


def _without_random(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_random(v) for k, v in value.items() if k not in _RANDOM_VALUES}
    if isinstance(value, list | tuple):
        return [_without_random(v) for v in value]
    return value


def no_my_number(what: str, payload: Any, numbers: set[str]) -> None:
    """Raise if the payload holds one of the city's My Numbers, or anything shaped like one."""
    from kokuho.identity.mynumber import count_my_numbers

    text = json.dumps(payload, ensure_ascii=False, default=str)
    shaped = count_my_numbers(json.dumps(_without_random(payload), ensure_ascii=False, default=str))
    if shaped or any(n in text for n in numbers):
        raise LinkageLeak(f"{what}: a My Number is present")
