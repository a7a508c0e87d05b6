"""My Number (個人番号) check digit — domain.md §3 (総務省令 第5条).

Nothing here ever puts the number itself into an exception message or a return value
meant for display: callers print the reason, never the number.
"""

from __future__ import annotations

import re

# Left to right weights of the first 11 digits (Q_n read from the left).
_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


class InvalidMyNumber(ValueError):
    """Raised with a reason that never contains the number."""


def check_digit(first_eleven: str) -> int:
    """Check digit of the 11 leading digits: 0 if Σ P·Q mod 11 ≤ 1, else 11 − remainder."""
    if len(first_eleven) != 11 or not first_eleven.isascii() or not first_eleven.isdigit():
        raise InvalidMyNumber("the first part must be exactly 11 ASCII digits")
    remainder = sum(int(d) * w for d, w in zip(first_eleven, _WEIGHTS, strict=True)) % 11
    return 0 if remainder <= 1 else 11 - remainder


def validation_error(number: str) -> str | None:
    """The reason a candidate is not a valid My Number, or None when it is valid."""
    if not number.isascii() or not number.isdigit():
        return "a My Number consists of digits only"
    if len(number) != 12:
        return f"a My Number has 12 digits, this has {len(number)}"
    if check_digit(number[:11]) != int(number[11]):
        return "the check digit does not match"
    return None


def is_valid(number: str) -> bool:
    return validation_error(number) is None


def require_valid(number: str) -> str:
    reason = validation_error(number)
    if reason:
        raise InvalidMyNumber(reason)
    return number


def mask(number: str | None) -> str:
    """Display form for lists and search results: never any digit of the number."""
    return "************" if number else ""


# A My Number standing on its own: not part of a longer run of digits, a UUID group, an ARN or a hash.
_STANDALONE_12 = re.compile(r"(?<![0-9A-Za-z_\-./:])\d{12}(?![0-9A-Za-z_\-])")


# Any run of exactly twelve digits, wherever it stands (inside identifiers too).
_ANY_12 = re.compile(r"(?<!\d)\d{12}(?!\d)")


def count_my_numbers(text: str, *, inside_identifiers: bool = False) -> int:
    """How many valid My Numbers stand in a text — for leak scans of logs, payloads and responses.
    Returns only the count, so a scan can report a leak without repeating it. By default a twelve-digit
    run inside an identifier (UUID group, ARN, hash) is not counted; `inside_identifiers=True` counts
    every run of exactly twelve digits with a valid check digit (input validation, response scans)."""
    pattern = _ANY_12 if inside_identifiers else _STANDALONE_12
    return sum(1 for m in pattern.finditer(text) if is_valid(m.group()))
