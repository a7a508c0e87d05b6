"""Applying an incoming 国保連合会 file: validated WHOLE before anything is written; a good file is
applied idempotently — keyed on file id + content hash: the same file twice changes nothing the second
time, and the same file id with different content is rejected. Through the FederationStore port."""

from __future__ import annotations

from dataclasses import dataclass

from kokuho.access.actor import Actor
from kokuho.linkage.federation_codec import FieldError, FileRejected, ParsedFile, parse_file
from kokuho.linkage.federation_ports import CITY_MUNICIPALITY, PREFECTURE, FederationStore

INTAKE = Actor(staff_id="system:federation-intake", terminal_id="stepfunctions",
               purpose="資格継続・高額該当の引き継ぎ (委託事項7)")
SUBJECTS_PER_RECORD = 500  # access records list their subjects; chunked to stay far below the item size limit


@dataclass(frozen=True)
class Outcome:
    status: str  # applied | duplicate | rejected
    file_id: str | None
    records: int = 0
    errors: tuple[FieldError, ...] = ()


def apply_file(store: FederationStore, data: bytes, source_key: str) -> Outcome:
    """Validate whole, then apply (idempotent on file id + content hash)."""
    try:
        parsed = parse_file(data)
    except FileRejected as e:
        return Outcome("rejected", None, errors=tuple(e.errors))
    elsewhere = not_for_the_city(parsed)
    if elsewhere:
        return Outcome("rejected", parsed.file_id, errors=tuple(elsewhere))
    done = store.applied(parsed.file_id)
    if done is not None:
        if done.content_hash == parsed.content_hash:
            return Outcome("duplicate", parsed.file_id, done.record_count)
        return Outcome("rejected", parsed.file_id, errors=(
            FieldError(1, "file_id", "already applied with different content"),))
    # Deterministic keys: re-applying after an interruption overwrites with the same values.
    for rec in parsed.records:
        if parsed.kind == "QUALCONT":
            store.save_continuity(parsed.file_id, rec)
        else:
            for month in rec["benefit_months"].split(";"):
                store.save_carry_over(parsed.file_id, rec, month)
    subjects = sorted({r["person_id"] if parsed.kind == "QUALCONT" else r["householder_id"]
                       for r in parsed.records})
    _record_file_subjects(store, parsed, source_key, subjects)
    store.mark_applied(parsed, source_key)
    return Outcome("applied", parsed.file_id, len(parsed.records))


def not_for_the_city(parsed: ParsedFile) -> list[FieldError]:
    """Why an incoming file holds no data of this city's: the federation writes to every municipality of the
    prefecture, so one addressed to another (header `receiver`), or a carry-over into another (KOGAKU
    `to_municipality`, line by line: D records start on line 2), is refused whole — applied, its householders'
    months would count towards 多数回 here."""
    errors = [] if parsed.receiver == CITY_MUNICIPALITY else [
        FieldError(1, "receiver", f"addressed to another municipality (this city is {CITY_MUNICIPALITY})")]
    if parsed.kind == "KOGAKU":
        errors += [FieldError(n, "to_municipality", f"a move into another municipality (this city is "
                                                     f"{CITY_MUNICIPALITY})")
                   for n, rec in enumerate(parsed.records, start=2) if rec["to_municipality"] != CITY_MUNICIPALITY]
        # the count carries over a move within the prefecture only (domain.md §2)
        errors += [FieldError(n, "from_municipality", f"a move from outside the prefecture ({PREFECTURE})")
                   for n, rec in enumerate(parsed.records, start=2)
                   if not rec["from_municipality"].startswith(PREFECTURE)]
    return errors


def _record_file_subjects(store: FederationStore, parsed: ParsedFile, source_key: str, subjects: list[str]) -> None:
    """The intake's access records, exactly once per file even when a run crashed before the APPLIED
    marker and the rerun applies the file again (each chunk once: FederationStore.record_subjects_once)."""
    category = f"federation_{parsed.kind.lower()}"
    for n, first in enumerate(range(0, len(subjects), SUBJECTS_PER_RECORD)):
        store.record_subjects_once(INTAKE, parsed, source_key, n, subjects[first:first + SUBJECTS_PER_RECORD], category)
