"""Reading one JSON case for a calculation command (`kokuho premium`, `kokuho kogaku`; interfaces.md).

Whatever the bytes, the outcome is a parsed JSON value or a `CaseInputError` naming where the input is
wrong — a field or a byte offset — never a traceback: not UTF-8 (offset of the first bad byte), not JSON
(line, column and offset), nested deeper than any case is (offset of the bracket too many), a number
with more digits than any amount has (its offset), a field given twice in one object (its name), or a
file larger than any case. What the values mean is checked afterwards by the case models.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from kokuho.identity.mynumber import shown_field
from kokuho.platform import strict_json

#: A case is a few kilobytes; a household of 100 members with their bills stays far below this.
MAX_CASE_BYTES = 1 << 20
#: The deepest case path is case.household.members[i].bills[j].<field>: 5 levels. Anything much deeper
#: is not a case, and the JSON decoder would run out of stack on it (RecursionError) at about 1,000.
MAX_DEPTH = 20
#: No number in a case comes near this many digits; the models refuse large amounts with their own,
#: far lower, bounds naming the field. Longer ones are refused here, before Python's 4,300-digit limit on
#: int conversion would raise in the decoder.
MAX_NUMBER_DIGITS = 100

_BOM = "\ufeff"
# A JSON string, a bracket, or a run of digits outside strings (numbers: integer or fraction part).
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|\d{' + str(MAX_NUMBER_DIGITS + 1) + ",}")


class CaseInputError(ValueError):
    """The case cannot be read as JSON: `where` is the field or `case`, `reason` says what and where."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


def read_bytes(source: str) -> bytes:
    """The raw case from FILE or `-` (standard input), at most MAX_CASE_BYTES."""
    try:
        if source == "-":
            if sys.stdin is None:  # started with standard input closed (`<&-`)
                raise CaseInputError("--case", "cannot read standard input (it is closed)")
            data = sys.stdin.buffer.read(MAX_CASE_BYTES + 1)
        else:
            with open(source, "rb") as handle:
                data = handle.read(MAX_CASE_BYTES + 1)
    except OSError as exc:
        raise CaseInputError("--case", f"cannot read {source} ({exc.strerror})") from None
    if len(data) > MAX_CASE_BYTES:
        raise CaseInputError("case", f"larger than {MAX_CASE_BYTES:,} bytes; a case is one household")
    return data


def _byte_offset(text: str, pos: int, skipped: int) -> int:
    return len(text[:pos].encode("utf-8")) + skipped


def _structure_error(text: str, skipped: int) -> CaseInputError | None:
    """The first place nested deeper than MAX_DEPTH or with a number longer than MAX_NUMBER_DIGITS."""
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                return CaseInputError("case", f"nested deeper than {MAX_DEPTH} levels "
                                              f"(byte offset {_byte_offset(text, match.start(), skipped)})")
        elif token in ("]", "}"):
            depth -= 1
        elif token[0] != '"':
            return CaseInputError("case", f"a number with more than {MAX_NUMBER_DIGITS} digits "
                                          f"(byte offset {_byte_offset(text, match.start(), skipped)})")
    return None


def parse(data: bytes) -> Any:
    """The JSON value of a case's bytes (UTF-8, an initial byte-order mark allowed), or CaseInputError."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseInputError("case", f"not UTF-8 (byte offset {exc.start})") from None
    skipped = 0
    if text.startswith(_BOM):  # editors on Windows write one; it is not part of the JSON
        text, skipped = text[1:], len(_BOM.encode("utf-8"))
    try:
        value = strict_json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseInputError("case", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}, "
                                     f"byte offset {_byte_offset(text, exc.pos, skipped)})") from None
    except strict_json.KeyTwice as exc:
        raise CaseInputError(shown_field(exc.key), "the same field is given twice in one object") from None
    except strict_json.NotJson as exc:
        raise CaseInputError("case", f"not valid JSON: {exc}") from None
    except (RecursionError, ValueError):
        # Too deep for the decoder's stack, or an integer beyond Python's digit limit: both are found and
        # placed by the scan below (the text is well-formed up to that point, or the decoder had said so).
        error = _structure_error(text, skipped)
        raise (error if error is not None else CaseInputError("case", "not valid JSON")) from None
    error = _structure_error(text, skipped)
    if error is not None:
        raise error
    return value


def read_case(source: str) -> Any:
    """Read and parse the case named on the command line (`--case FILE|-`)."""
    return parse(read_bytes(source))
