"""Framing shared by every intake file from the city's systems (docs/intake_files.md,
docs/city_intake_files.md): UTF-8 JSON Lines without BOM, one record a line, and a last line

    {"trailer": {"record_count": <records>, "sha256": "<hex SHA-256 of the bytes before the trailer>"}}

A file cut short, or whose count or digest disagrees, or that is not UTF-8, is refused whole with the line
(and, for an encoding error, the byte offset) named. Errors carry a line, a field and a message — never
a value, so a My Number put in the wrong place is never echoed back. Pure: no AWS.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from kokuho.dates.days import iso_day

if TYPE_CHECKING:
    from pydantic import ValidationError

T = TypeVar("T")

MAX_ERRORS = 100
TRAILER = "trailer"
TRAILER_FIELDS = {"record_count", "sha256"}
_BOMS = ((b"\xef\xbb\xbf", "a UTF-8 byte order mark"), (b"\xff\xfe", "a UTF-16 byte order mark"),
         (b"\xfe\xff", "a UTF-16 byte order mark"))


@dataclass(frozen=True)
class IntakeError:
    line: int
    field: str
    message: str
    offset: int | None = None  # byte offset in the file, for an encoding error

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "field": self.field, "message": self.message}
        if self.offset is not None:
            out["offset"] = self.offset
        return out

    def __str__(self) -> str:
        return f"line {self.line}, field {self.field or '-'}: {self.message}"


def encoding_error(data: bytes) -> IntakeError | None:
    """The first byte that makes the file not plain UTF-8 (a BOM, a NUL, an invalid sequence), by byte
    offset and line: UTF-16, Shift_JIS or Latin-1 files are refused here, never half-read."""
    for bom, what in _BOMS:
        if data.startswith(bom):
            return IntakeError(1, "", f"{what} at byte offset 0: the file must be UTF-8 without BOM", 0)
    nul = data.find(b"\x00")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if nul < 0 or exc.start < nul:
            return IntakeError(data.count(b"\n", 0, exc.start) + 1, "",
                               f"not UTF-8: invalid byte at byte offset {exc.start}", exc.start)
    if nul >= 0:  # UTF-16 without a BOM decodes as "UTF-8" full of NULs
        return IntakeError(data.count(b"\n", 0, nul) + 1, "",
                           f"NUL byte at byte offset {nul} (UTF-16?): the file must be UTF-8", nul)
    return None


def trailer_line(record_count: int, body: bytes) -> bytes:
    trailer = {TRAILER: {"record_count": record_count, "sha256": hashlib.sha256(body).hexdigest()}}
    return (json.dumps(trailer) + "\n").encode("ascii")


def build_file(records: Iterable[dict[str, Any]]) -> bytes:
    """A file's bytes: one JSON object a line, then the trailer (what senders, the demo and tests write)."""
    lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in records]
    body = "".join(lines).encode("utf-8")
    return body + trailer_line(len(lines), body)


def split_trailer(data: bytes) -> tuple[bytes, bytes, int]:
    """(body, trailer line, its 1-based line number): the trailer is the last non-blank line."""
    end = len(data.rstrip(b"\r\n\t "))
    start = data.rfind(b"\n", 0, end) + 1
    return data[:start], data[start:end], data.count(b"\n", 0, start) + 1


def trailer_errors(body: bytes, raw: bytes, n: int, records: int, noun: str = "record") -> list[IntakeError]:
    try:
        obj = parse_line(raw.decode("utf-8"))
    except (LineError, UnicodeDecodeError):
        obj = None
    if not (isinstance(obj, dict) and set(obj) == {TRAILER}):
        return [IntakeError(n, TRAILER, "missing: the last line must be the trailer "
                                        '{"trailer": {"record_count": N, "sha256": "<hex>"}} (file cut short?)')]
    t = obj[TRAILER]
    if not isinstance(t, dict) or set(t) != TRAILER_FIELDS:
        return [IntakeError(n, TRAILER, "must have exactly record_count and sha256")]
    errors = []
    if type(t["record_count"]) is not int or t["record_count"] != records:
        errors.append(IntakeError(n, "trailer.record_count", f"does not match the file: {records} {noun} lines"))
    if t["sha256"] != hashlib.sha256(body).hexdigest():
        errors.append(IntakeError(n, "trailer.sha256", "does not match the bytes before the trailer"))
    return errors


def file_digest(data: bytes | str) -> str:
    """The file's identity for "applied once": its content, not its bytes — a re-delivery under another key, with
    its trailer written otherwise (compact, keys in another order), its lines ending CRLF, a blank line after the
    trailer, or each record written otherwise (keys in another order, other spacing) is the same file. The SHA-256
    of its record lines, each read as JSON and written one way (keys sorted, no spaces), a blank line kept as one
    (the line numbers an interrupted file's applied lines are marked by stay the file's); a file without a
    trailer of its records, or not UTF-8, is known by its bytes (`former_file_digest`). Lowercase base32 — not hex,
    whose digits could by chance line up into twelve that pass a My Number's check digit in a key, a history note
    or an access record."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if encoding_error(data) is not None:
        return former_file_digest(data)
    body, trailer, trailer_no = split_trailer(data)
    lines = body.decode("utf-8").split("\n")
    if trailer_errors(body, trailer, trailer_no, sum(1 for x in lines if x.strip())):
        return former_file_digest(data)
    content = "\n".join(_one_way(x) for x in lines)
    return _b32(hashlib.sha256(b"records\n" + content.encode("utf-8")).digest())


def former_file_digest(data: bytes) -> str:
    """A file's identity as it was before `file_digest` took its content: the SHA-256 of all its bytes (base32) —
    what the markers of files applied before then name."""
    return _b32(hashlib.sha256(data).digest())


def _b32(digest: bytes) -> str:
    return base64.b32encode(digest).decode("ascii").rstrip("=").lower()


def _one_way(raw: str) -> str:
    if not raw.strip():
        return ""
    try:
        obj = parse_line(raw)
    except LineError:
        return raw.rstrip("\r")
    return json.dumps(obj, ensure_ascii=True, sort_keys=True, separators=(",", ":"))


def safe_field(path: str) -> str:
    """A field path for an error: an unknown field is named by its key, which comes from the file — a key
    holding a My Number is never echoed."""
    from kokuho.identity.mynumber import shown_field

    return shown_field(path)



def parse_line(raw: str) -> Any:
    """One line's JSON, strictly: a key given twice (json.loads would keep the last value silently: a line saying
    two things), NaN/Infinity (not JSON) and a lone surrogate written as an escape ("\\ud800": no UTF-8 holds it —
    a bad encoding the bytes' check cannot see) are refused — LineError naming the key (safe_field) or none."""
    from kokuho.platform import strict_json

    try:
        obj = strict_json.loads(raw)
    except strict_json.KeyTwice as exc:
        raise LineError(safe_field(exc.key), "given twice in one line") from None
    except json.JSONDecodeError as exc:
        raise LineError("", f"not valid JSON (column {exc.colno})") from None
    except ValueError as exc:
        raise LineError("", f"not valid JSON ({exc})") from None
    if "\\u" in raw:  # decoded UTF-8 holds no surrogate: only an escape can bring one
        where = _lone_surrogate(obj, "")
        if where is not None:
            raise LineError(where, "not valid Unicode: a lone surrogate (an escape \\ud800–\\udfff without its pair)")
    return obj


BAD_KEY = "(a key that is not valid Unicode)"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(value: Any, path: str) -> str | None:
    """The field (path, as safe_field shows it) of the first string holding a lone surrogate, else None."""
    if isinstance(value, str):
        return safe_field(path) if _SURROGATE.search(value) else None
    items: Iterable[tuple[str, Any]] = ()
    if isinstance(value, dict):
        if any(_SURROGATE.search(k) for k in value):
            return BAD_KEY
        items = ((f"{path}.{k}" if path else k, v) for k, v in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    for where, v in items:
        found = _lone_surrogate(v, where)
        if found is not None:
            return found
    return None


class LineError(Exception):
    """A line's field refused (raised while checking one line, turned into its IntakeError): never a value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def check_fields(obj: Mapping[str, Any], required: AbstractSet[str],
                 optional: AbstractSet[str] = frozenset()) -> None:
    """A line holds its required fields and no other than the optional ones: an unknown field is named by
    its key (safe_field: a key holding a My Number is never echoed), a missing one by its name."""
    for name in obj:
        if name not in required and name not in optional:
            raise LineError(safe_field(str(name)), "unknown field")
    for name in sorted(required):
        if name not in obj:
            raise LineError(name, "missing")


def field_errors(n: int, exc: ValidationError) -> list[IntakeError]:
    """Every field a line's pydantic model refused, named by its path with the premium case's wording
    (one wording for every intake); a key holding a My Number is named, never echoed."""
    from kokuho.premium.case import field_message, field_path

    return [IntakeError(n, safe_field(field_path(tuple(e["loc"]))), field_message(e))
            for e in exc.errors(include_input=False, include_url=False)]


def iso_date(value: str) -> date:
    """A line's date field: a real date YYYY-MM-DD, or the error every intake gives — never another ISO spelling
    that date.fromisoformat also reads ('20260601', the week date '2026-W23-1')."""
    try:
        return iso_day(value)
    except ValueError:
        raise ValueError("must be a real date YYYY-MM-DD") from None


def read_records(data: bytes | str, noun: str = "record", *,
                 empty_holds_no_records: bool = False) -> tuple[list[tuple[int, dict[str, Any]]],
                                                                list[IntakeError]]:
    """The file's records as (line number, JSON object), after the encoding and the trailer are checked.

    Only the framing is judged here (a line that is not a JSON object is an error); each intake checks
    its own fields. Errors are capped at MAX_ERRORS, in line order. An empty file lacks its trailer, or,
    with `empty_holds_no_records` (the 賦課用世帯情報 file's answer), holds no <noun>.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    bad = encoding_error(data)
    if bad is not None:
        return [], [bad]
    body, trailer, trailer_no = split_trailer(data)
    records: list[tuple[int, dict[str, Any]]] = []
    errors: list[IntakeError] = []
    count = 0
    for n, raw in enumerate(body.decode("utf-8").split("\n"), start=1):
        if not raw.strip():
            continue
        count += 1
        try:
            obj = parse_line(raw)
        except LineError as exc:
            errors.append(IntakeError(n, exc.field, exc.message))
            continue
        if not isinstance(obj, dict):
            errors.append(IntakeError(n, "", "a line must be a JSON object"))
            continue
        records.append((n, obj))
    framing = trailer_errors(body, trailer, trailer_no, count, noun)
    if not count and not errors and (empty_holds_no_records and not data.strip()
                                     or not any(e.field == TRAILER for e in framing)):
        errors.append(IntakeError(0, "", f"the file holds no {noun}"))
    else:  # a lone line without a trailer is a file cut short, not an empty one
        errors += framing
    return records, errors[:MAX_ERRORS]


def validate_lines(data: bytes | str, noun: str,
                   line: Callable[[int, dict[str, Any]], tuple[T | None, list[IntakeError]]],
                   key: Callable[[T], Hashable], same: str) -> tuple[list[T], list[IntakeError]]:
    """Every line of a file read and checked by `line`; a second line with the same `key` is refused
    naming the first ("<same> as line N": applied, the later one would silently replace the earlier).
    The lines only when the whole file is valid; errors in line order, at most MAX_ERRORS."""
    records, errors = read_records(data, noun)
    lines: list[T] = []
    first: dict[Hashable, int] = {}
    for n, obj in records:
        item, errs = line(n, obj)
        errors += errs
        if item is None:
            continue
        earlier = first.setdefault(key(item), n)
        if earlier != n:
            errors.append(IntakeError(n, "atena_no", same.format(line=earlier)))
            continue
        lines.append(item)
        if len(errors) >= MAX_ERRORS:
            break
    errors.sort(key=lambda e: e.line)
    return ([] if errors else lines), errors[:MAX_ERRORS]
