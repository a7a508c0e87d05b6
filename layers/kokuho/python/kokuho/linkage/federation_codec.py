"""The 国保連合会 exchange files: layout, writing and whole-file validation — pure, no AWS.

Layout (layout version 1; full description in docs/federation_files.md). Encoding UTF-8 without BOM,
lines end with LF, fields separated by ",", no quoting: a field may not contain "," or a line break.

    H,<kind>,1,<file_id>,<created_at>,<sender>,<receiver>
    D,<seq>,<fields of the kind…>
    T,<record_count>,<sha256 hex of the D lines, each with its LF>

    QUALCONT D: seq, person_id, household_id, prefecture_insured_id (may be empty outgoing),
                insurer_number, acquired_on, acquire_reason, lost_on (may be empty), lose_reason (may be empty)
    KOGAKU D:   seq, household_id, householder_id, from_municipality, to_municipality, moved_on,
                benefit_months (YYYY-MM separated by ";", 1–12 months, each within the 12 months before moved_on;
                the months that count towards 多数回: a household ceiling paid, not the 外来特例 alone)

Identifiers are the city's internal ids: no My Number is written to these files, and a field that
looks like one (12 digits) rejects the file.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from kokuho.dates.months import is_month
from kokuho.identity.mynumber import contains_my_number, identifier_holds_my_number
from kokuho.identity.redaction import looks_like_my_number

LAYOUT_VERSION = "1"
KINDS = ("QUALCONT", "KOGAKU")
REASONS = ("move_in", "left_employee_insurance", "birth", "welfare_ended", "move_out",
           "joined_employee_insurance", "death", "late_elderly", "welfare_started")
D_FIELDS: dict[str, tuple[str, ...]] = {
    "QUALCONT": ("seq", "person_id", "household_id", "prefecture_insured_id", "insurer_number", "acquired_on",
                 "acquire_reason", "lost_on", "lose_reason"),
    "KOGAKU": ("seq", "household_id", "householder_id", "from_municipality", "to_municipality", "moved_on",
               "benefit_months"),
}
H_FIELDS = ("record_type", "kind", "layout_version", "file_id", "created_at", "sender", "receiver")
T_FIELDS = ("record_type", "record_count", "checksum")
_ID = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")
_MUNI = re.compile(r"^\d{6}$", re.ASCII)
_INSURER = re.compile(r"^\d{6,8}$", re.ASCII)


@dataclass(frozen=True)
class FieldError:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, field {self.field}: {self.reason}"


class FileRejected(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


@dataclass(frozen=True)
class ParsedFile:
    kind: str
    file_id: str
    created_at: str
    sender: str
    receiver: str
    records: tuple[dict[str, str], ...]
    content_hash: str = ""


@dataclass(frozen=True)
class ContinuityRow:
    person_id: str
    household_id: str
    insurer_number: str
    acquired_on: date
    acquire_reason: str
    lost_on: date | None = None
    lose_reason: str | None = None
    prefecture_insured_id: str = ""


@dataclass(frozen=True)
class CarryOverRow:
    household_id: str
    householder_id: str
    from_municipality: str
    to_municipality: str
    moved_on: date
    benefit_months: tuple[str, ...] = field(default_factory=tuple)


# --- writing -------------------------------------------------------------------------------------


def _d_line(kind: str, seq: int, row: ContinuityRow | CarryOverRow) -> str:
    if isinstance(row, ContinuityRow):
        values = [str(seq), row.person_id, row.household_id, row.prefecture_insured_id, row.insurer_number,
                  row.acquired_on.isoformat(), row.acquire_reason, row.lost_on.isoformat() if row.lost_on else "",
                  row.lose_reason or ""]
    else:
        values = [str(seq), row.household_id, row.householder_id, row.from_municipality, row.to_municipality,
                  row.moved_on.isoformat(), ";".join(row.benefit_months)]
    for v in values:
        if "," in v or "\n" in v or "\r" in v:
            raise ValueError("a field may not contain a comma or a line break")
    return ",".join(["D", *values])


def build_file(kind: str, file_id: str, rows: Iterable[ContinuityRow | CarryOverRow], sender: str,
               receiver: str, created_at: datetime | None = None) -> bytes:
    """The file's bytes; validated with the intake rules before it is returned (we never send what we
    would reject)."""
    d_lines = [_d_line(kind, i, r) for i, r in enumerate(rows, start=1)]
    body = "".join(line + "\n" for line in d_lines)
    stamp = (created_at or datetime.now(UTC)).isoformat(timespec="seconds")
    text = (f"H,{kind},{LAYOUT_VERSION},{file_id},{stamp},{sender},{receiver}\n" + body
            + f"T,{len(d_lines)},{hashlib.sha256(body.encode('utf-8')).hexdigest()}\n")
    data = text.encode("utf-8")
    parse_file(data)
    return data


# --- reading and validation ----------------------------------------------------------------------


def content_hash(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")


def _date(value: str, line: int, name: str, errors: list[FieldError]) -> date | None:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(line, name, "not a date YYYY-MM-DD"))
        return None


def _check_id(value: str, line: int, name: str, errors: list[FieldError], *, optional: bool = False) -> None:
    if optional and value == "":
        return
    if re.fullmatch(r"\d{12}", value) or contains_my_number(value):  # any shape: 1234-5678-9018 too
        errors.append(FieldError(line, name, "looks like a My Number: identifiers here are internal ids"))
    elif not _ID.fullmatch(value):
        errors.append(FieldError(line, name, "not an identifier (A-Z a-z 0-9 _ -, 1–40)"))


def _validate_qualcont(rec: dict[str, str], line: int, errors: list[FieldError]) -> None:
    _check_id(rec["person_id"], line, "person_id", errors)
    _check_id(rec["household_id"], line, "household_id", errors)
    _check_id(rec["prefecture_insured_id"], line, "prefecture_insured_id", errors, optional=True)
    if not _INSURER.fullmatch(rec["insurer_number"]):
        errors.append(FieldError(line, "insurer_number", "not an insurer number (6–8 digits)"))
    acquired = _date(rec["acquired_on"], line, "acquired_on", errors)
    if rec["acquire_reason"] not in REASONS[:4]:
        errors.append(FieldError(line, "acquire_reason", "not an acquisition reason"))
    if rec["lost_on"]:
        lost = _date(rec["lost_on"], line, "lost_on", errors)
        if acquired and lost and lost < acquired:
            errors.append(FieldError(line, "lost_on", "before acquired_on"))
        if rec["lose_reason"] not in REASONS[4:]:
            errors.append(FieldError(line, "lose_reason", "not a loss reason"))
    elif rec["lose_reason"]:
        errors.append(FieldError(line, "lose_reason", "given without lost_on"))


def _validate_kogaku(rec: dict[str, str], line: int, errors: list[FieldError]) -> None:
    _check_id(rec["household_id"], line, "household_id", errors)
    _check_id(rec["householder_id"], line, "householder_id", errors)
    for name in ("from_municipality", "to_municipality"):
        if not _MUNI.fullmatch(rec[name]):
            errors.append(FieldError(line, name, "not a municipality code (6 digits)"))
    if rec["from_municipality"] == rec["to_municipality"]:
        errors.append(FieldError(line, "to_municipality", "same as from_municipality"))
    moved = _date(rec["moved_on"], line, "moved_on", errors)
    months = rec["benefit_months"].split(";") if rec["benefit_months"] else []
    if not 1 <= len(months) <= 12 or len(set(months)) != len(months):
        errors.append(FieldError(line, "benefit_months", "1 to 12 distinct months expected"))
        return
    for m in months:
        if not is_month(m):
            errors.append(FieldError(line, "benefit_months", "not a month YYYY-MM"))
            return
        if moved:
            y, mo = int(m[:4]), int(m[5:])
            diff = (moved.year - y) * 12 + (moved.month - mo)
            if not 0 <= diff <= 12:
                errors.append(FieldError(line, "benefit_months", "a month outside the 12 months before the move"))
                return


def _check_unique(kind: str, rec: dict[str, str], line: int, first_line: dict[tuple[str, str], int],
                  errors: list[FieldError]) -> None:
    """The same person and period (QUALCONT: person, acquired_on; KOGAKU: householder, month) twice in one
    file is refused naming both lines: applied, the later line would silently overwrite the earlier."""
    if kind == "QUALCONT":
        keys = [("acquired_on", (rec["person_id"], rec["acquired_on"]))]
        what = "same person and period (person_id, acquired_on)"
    else:
        keys = [("benefit_months", (rec["householder_id"], m)) for m in rec["benefit_months"].split(";") if m]
        what = "same householder and month"
    for name, key in keys:
        first = first_line.setdefault(key, line)
        if first != line:
            errors.append(FieldError(line, name, f"{what} as line {first}"))
            return


def parse_file(data: bytes) -> ParsedFile:
    """Validate the whole file; raise FileRejected with every error (line and field) found."""
    errors: list[FieldError] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise FileRejected([FieldError(line, "-", "not UTF-8")]) from None
    if text.startswith("\ufeff"):
        raise FileRejected([FieldError(1, "-", "byte order mark not allowed")])
    if "\r" in text:
        raise FileRejected([FieldError(text[: text.index("\r")].count("\n") + 1, "-", "CR in file: LF only")])
    if not text.endswith("\n"):
        raise FileRejected([FieldError(text.count("\n") + 1, "-", "last line not terminated by LF")])
    lines = text[:-1].split("\n")
    if len(lines) < 2:
        raise FileRejected([FieldError(1, "record_type", "a file has a header and a trailer")])
    head = lines[0].split(",")
    if len(head) != len(H_FIELDS) or head[0] != "H":
        raise FileRejected([FieldError(1, "record_type", f"header expected with {len(H_FIELDS)} fields")])
    kind, version, file_id, created_at, sender, receiver = head[1:]
    if kind not in KINDS:
        raise FileRejected([FieldError(1, "kind", f"unknown file kind (expected one of {list(KINDS)})")])
    if version != LAYOUT_VERSION:
        errors.append(FieldError(1, "layout_version", f"layout version {LAYOUT_VERSION} expected"))
    # A file id names a municipality and a month (KG-401307-202604): twelve digits, no number.
    if not _ID.fullmatch(file_id) or re.fullmatch(r"\d{12}", file_id) or identifier_holds_my_number(file_id):
        errors.append(FieldError(1, "file_id", "not an identifier"))
    try:
        datetime.fromisoformat(created_at)
    except ValueError:
        errors.append(FieldError(1, "created_at", "not an ISO date-time"))
    for name, value in (("sender", sender), ("receiver", receiver)):
        if not value:
            errors.append(FieldError(1, name, "empty"))
        elif looks_like_my_number(value):
            errors.append(FieldError(1, name, "looks like a My Number"))
    tail = lines[-1].split(",")
    last = len(lines)
    names = D_FIELDS[kind]
    records: list[dict[str, str]] = []
    first_line: dict[tuple[str, str], int] = {}
    for i, raw in enumerate(lines[1:-1], start=2):
        parts = raw.split(",")
        if parts[0] != "D":
            errors.append(FieldError(i, "record_type", "data record 'D' expected"))
            continue
        if len(parts) != len(names) + 1:
            errors.append(FieldError(i, "-", f"{len(names) + 1} fields expected, {len(parts)} found"))
            continue
        rec = dict(zip(names, parts[1:], strict=True))
        if rec["seq"] != str(len(records) + 1):
            errors.append(FieldError(i, "seq", f"sequence {len(records) + 1} expected"))
        (_validate_qualcont if kind == "QUALCONT" else _validate_kogaku)(rec, i, errors)
        _check_unique(kind, rec, i, first_line, errors)
        records.append(rec)
    if len(tail) != len(T_FIELDS) or tail[0] != "T":
        errors.append(FieldError(last, "record_type", f"trailer expected with {len(T_FIELDS)} fields"))
    else:
        if tail[1] != str(len(lines) - 2):
            errors.append(FieldError(last, "record_count", f"{len(lines) - 2} data records in the file"))
        body = "".join(line + "\n" for line in lines[1:-1])
        if tail[2] != hashlib.sha256(body.encode("utf-8")).hexdigest():
            errors.append(FieldError(last, "checksum", "does not match the data records"))
    if errors:
        raise FileRejected(errors)
    return ParsedFile(kind, file_id, created_at, sender, receiver, tuple(records), content_hash(data))
