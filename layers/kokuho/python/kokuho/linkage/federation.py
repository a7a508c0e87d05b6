"""File exchange with the 国保連合会 (federation; assessment 委託事項7, II-3 ③), wired to its adapters:

- QUALCONT — 資格継続 (qualification continuity), daily: each person's NHI period as the city records
  it (outgoing) or as the prefecture-wide file knows it (incoming, with the 都道府県単位被保険者ID).
- KOGAKU — 高額該当の引き継ぎ (high-cost carry-over), monthly: for a household moving within the
  prefecture, the months with a high-cost benefit in the last 12, so the 多数回 count carries over.

By what they do:
    kokuho.linkage.federation_codec   the layout, writing and whole-file validation (pure)
    kokuho.linkage.federation_ports   FederationStore, QualificationSource (adapters in
                                      kokuho.records.federation_store; fakes in tests/fakes/)
    kokuho.linkage.federation_apply   applying a file, idempotent on file id + content hash
    kokuho.linkage.federation_files   the exchange bucket: incoming/ → processed/ or rejected/ (+ reason)
    kokuho.linkage.federation_export  outgoing files to outgoing/

Intake: an incoming file (S3 exchange bucket, incoming/) is validated WHOLE before anything is
written; a bad file is rejected with every error's line and field named, changes nothing, and is
moved to rejected/ with a reason object beside it; a good file is applied idempotently.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from kokuho.linkage import federation_apply, federation_files
from kokuho.linkage.federation_apply import INTAKE, SUBJECTS_PER_RECORD, Outcome
from kokuho.linkage.federation_codec import (
    D_FIELDS,
    KINDS,
    LAYOUT_VERSION,
    REASONS,
    CarryOverRow,
    ContinuityRow,
    FieldError,
    FileRejected,
    ParsedFile,
    build_file,
    content_hash,
    parse_file,
)
from kokuho.linkage.federation_export import EXPORT, export_carry_over, export_qualification
from kokuho.linkage.federation_files import INCOMING, OUTGOING, PROCESSED, REJECTED, list_incoming
from kokuho.linkage.federation_ports import (
    CITY_INSURER,
    CITY_MUNICIPALITY,
    FEDERATION,
    FederationStore,
    QualificationSource,
)

__all__ = ["CITY_INSURER", "CITY_MUNICIPALITY", "D_FIELDS", "EXPORT", "FEDERATION", "INCOMING", "INTAKE", "KINDS",
           "LAYOUT_VERSION", "OUTGOING", "PROCESSED", "REASONS", "REJECTED", "SUBJECTS_PER_RECORD",
           "CarryOverRow", "ContinuityRow", "FieldError", "FileRejected", "Outcome", "ParsedFile",
           "QualificationSource", "apply_file", "build_file", "carried_over_months",
           "content_hash", "export_carry_over", "export_qualification", "intake_object", "list_incoming",
           "parse_file", "wired_source", "wired_store"]


@cache
def wired_store() -> FederationStore:
    """The production adapter (one per container)."""
    from kokuho.records.federation_store import PynamoFederationStore

    return PynamoFederationStore()


def apply_file(data: bytes, source_key: str, *, store: FederationStore | None = None) -> Outcome:
    """Validate whole, then apply (idempotent on file id + content hash)."""
    return federation_apply.apply_file(store or wired_store(), data, source_key)


def intake_object(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    """Apply or reject one incoming file and move it out of incoming/ (kept for review if rejected)."""
    return federation_files.intake_object(s3, bucket, key, lambda data, source_key: apply_file(data, source_key))


def carried_over_months(householder_id: str) -> list[str]:
    """Months with a high-cost benefit carried over from the previous municipality (for 多数回), kept under the
    NHI householder (the row's household id is the other municipality's)."""
    return wired_store().carried_over_months(householder_id)


def wired_source() -> QualificationSource:
    """Where outgoing files come from in production: the qualification table."""
    from kokuho.records.federation_store import RecordsQualificationSource

    return RecordsQualificationSource()
