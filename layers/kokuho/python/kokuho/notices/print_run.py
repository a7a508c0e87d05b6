"""A print run: notices rendered in parts (one PDF a part, `per_part` notices each: the font is parsed and
subset once a part) and the print manifest — each part's key, notices, pages, bytes and SHA-256 — written
after every part, so a manifest present means a complete run. Every notice is checked before anything is
written (a bad one refused naming its index and field). Storage is a port (`put(key, data, content_type)`):
the workflow hands in a writer to the encrypted work bucket; the bytes are reproducible (a rerun writes the
same parts, the same checksums). A part is personal data: before it is put, `record(key, subjects)` leaves
the access record naming its households and payers (kokuho.records.notice_files.notice_recorder, once a
part even when the step runs again) — recorded first, so no part can be stored without its record."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from kokuho.identity.mynumber import identifier_holds_my_number
from kokuho.notices.model import NoticeError, check_notice
from kokuho.notices.render import NoticeBook

PREFIX = "notices/"
CHAIN_PREFIX = "NOTICES#"  # the access records of a run's parts: NOTICES#<run_id>#part-NNNN (its subjects)
CATEGORY = "通知書"  # the access records' category: notices hold the payer's name, address and premium
PER_PART = 500  # notices a part: ≈ 2,000 pages, ≈ 3.5 MB
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

Put = Callable[[str, bytes, str], None]
Record = Callable[[str, list[str]], None]  # (part key, sorted subject ids) → its access record


def subjects_of(notice: Any) -> tuple[str, ...]:
    """Whose data a notice holds: its household (ledger) and its payer — internal ids, never a My Number."""
    from kokuho.notices import benefit

    if isinstance(notice, benefit.BenefitInvitation | benefit.BenefitDecision | benefit.RecoveryNotice):
        return benefit.subjects(notice)
    own = getattr(notice, "subjects", None)
    if own is not None:  # a notice of its own kind names them (kokuho.notices.medical_cost: the person)
        return tuple(own)
    ledger = getattr(notice, "charge", None) or getattr(notice, "current", None)
    if ledger is not None:
        return str(ledger.household_id), str(ledger.payer_id)
    refund = notice.refund  # 還付通知書: the ledger the refund comes from, and its payer
    return str(refund.source[0]), str(refund.payer_id)


def check_run_id(run_id: Any) -> str:
    if not isinstance(run_id, str) or not _RUN_ID.match(run_id) or ".." in run_id \
            or identifier_holds_my_number(run_id):
        raise NoticeError("run_id", "must be 1–64 letters, digits, '.', '_' or '-' (no My Number)")
    return run_id


def check_notices(notices: Sequence[Any]) -> None:
    """Every notice checked before anything is written (a bad one refused naming its index and field)."""
    for i, n in enumerate(notices):
        try:
            check_notice(n)
        except NoticeError as exc:
            raise NoticeError(f"notices[{i}].{exc.field}", str(exc).split(": ", 1)[1]) from None


def part_key(run_id: str, number: int) -> str:
    return f"{PREFIX}{run_id}/part-{number:04d}.pdf"


def part_chain(key: str) -> str:
    """The access-record chain of a part's key (NOTICES#<run_id>#part-NNNN): where its subjects are recorded."""
    run_id, part = key.removeprefix(PREFIX).rsplit("/", 1)
    return f"{CHAIN_PREFIX}{run_id}#{part.removesuffix('.pdf')}"


def subject_chains(key: str) -> str:
    """The chains naming whose data a file under notices/ holds, as a prefix: a part's files (its PDF, work and
    entry files: part-NNNN.*) its part's chain (and the part's `#reads`); any other file of a run (the
    manifest) its whole run's chains. Read by the retention run to honour a legal hold."""
    run_id, _, name = key.removeprefix(PREFIX).partition("/")
    part = re.match(r"part-\d{4}(?=\.)", name)
    return f"{CHAIN_PREFIX}{run_id}#{part.group(0)}" if part else f"{CHAIN_PREFIX}{run_id}#"


def print_part(run_id: str, number: int, notices: Sequence[Any], *, put: Put, record: Record,
               created: datetime | None = None) -> dict[str, Any]:
    """One part: the notices rendered into one PDF, its access record, then the PDF; its manifest entry."""
    created = created or datetime(2000, 1, 1, tzinfo=UTC)
    book = NoticeBook(created=created, title=f"国民健康保険 通知書 {run_id} part {number}")
    for n in notices:
        book.add(n)
    data = book.output()
    key = part_key(run_id, number)
    record(key, sorted({s for n in notices for s in subjects_of(n)}))
    put(key, data, "application/pdf")
    return {"key": key, "notices": book.notices, "pages": book.pages, "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def manifest_of(run_id: str, created: datetime, parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"run_id": run_id, "created": created.isoformat(), "notices": sum(int(p["notices"]) for p in parts),
            "pages": sum(int(p["pages"]) for p in parts), "parts": list(parts)}


def put_manifest(run_id: str, manifest: dict[str, Any], put: Put) -> None:
    put(f"{PREFIX}{run_id}/manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"),
        "application/json")


def print_run(run_id: str, notices: Sequence[Any], *, put: Put, record: Record, per_part: int = PER_PART,
              created: datetime | None = None) -> dict[str, Any]:
    """Render `notices` in parts under notices/<run_id>/, then the manifest; returns the manifest."""
    check_run_id(run_id)
    if not isinstance(per_part, int) or isinstance(per_part, bool) or per_part < 1:
        raise NoticeError("per_part", "must be an integer ≥ 1")
    check_notices(notices)
    created = created or datetime(2000, 1, 1, tzinfo=UTC)
    parts = [print_part(run_id, number, notices[start:start + per_part], put=put, record=record, created=created)
             for number, start in enumerate(range(0, len(notices), per_part), 1)]
    manifest = manifest_of(run_id, created, parts)
    put_manifest(run_id, manifest, put)
    return manifest
