"""Whose data an exchange file holds: for every file an intake moves out of its incoming folder (to its
processed/ or rejected/ folder) and every file written under outgoing/, a record `subjects/<key>.json` names
the subjects of the file — the person, household and payer ids (surrogate ids, never a My Number) of every
access record made while the file was taken, or while the run that wrote it ran. So a legal hold on a person
reaches the files that hold their data (kokuho.retention.objects.held_exchange_files), as it reaches notices.

Why the access records: every read or write of a person's data leaves one (the house rule), so the subjects
they name while a file is handled are every person whose data the file touched — a superset (a household's
other members read to check a line), which holds more, never less. Collected in `kokuho.access.records`
(`note`, one set update a record) between `begin_intake` (`kokuho.platform.exchange.read_delivered`) and
`end_intake` (`move_out`); an outgoing writer runs inside `collecting()` and puts its file with `put_file`,
which refuses to write a file without its record.

Why a prefix of their own (`subjects/`), not beside the file: a transfer to the bank, the pension insurer or the
federation sweeps its outgoing/ folder, and a record there would carry internal person and household ids out of
the city with the file. No transfer reads subjects/; the writers may put there and the retention run reads and
deletes there (the catalog's grants). Records written beside their files before (`<key>.subjects.json`,
`LEGACY_SUFFIX`) are still read, and the retention run moves them here (kokuho.retention.objects.move_records).

A file taken in parts (the city intake's time budget: `partial`) keeps what it collected so far in
`subjects/pending/<incoming key>.json` (`keep_pending`), read back by the next invocation and folded into the
record when the file is moved out. (A file's record never collides with it: every file moved out or written is
under processed/, rejected/ or outgoing/.)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

PREFIX = "subjects/"  # the records' own prefix: no outgoing transfer reads it
PENDING_PREFIX = f"{PREFIX}pending/"
RECORD_SUFFIX = ".json"
LEGACY_SUFFIX = ".subjects.json"  # a record beside its file, as written before the records moved
LEGACY_PENDING_SUFFIX = ".subjects.pending.json"  # a part's record beside its incoming file, as before


class OutgoingFileExists(RuntimeError):
    """An outgoing file is written once: another content under its name is refused (the key, never the data)."""


@dataclass
class _Collection:
    key: str  # the delivered file's key ("" for an outgoing run)
    subjects: set[str] = field(default_factory=set)
    pending: bool = False  # a pending record was read back for it


_current: ContextVar[_Collection | None] = ContextVar("exchange_subjects", default=None)


def subjects_key(key: str) -> str:
    """Where the record of the file `key` is."""
    return f"{PREFIX}{key}{RECORD_SUFFIX}"


def file_of_record(record_key: str) -> str:
    """The file a record under subjects/ is of."""
    return record_key.removeprefix(PREFIX).removesuffix(RECORD_SUFFIX)


def legacy_subjects_key(key: str) -> str:
    return f"{key}{LEGACY_SUFFIX}"


def _pending_key(key: str) -> str:
    return f"{PENDING_PREFIX}{key}{RECORD_SUFFIX}"


def is_pending(key: str) -> bool:
    """A part's record left beside its incoming file before the records moved (never a delivered file)."""
    return key.endswith(LEGACY_PENDING_SUFFIX)


def note(subject_ids: Iterable[str]) -> None:
    """The subjects of an access record just made (kokuho.access.records): kept while a file is handled."""
    c = _current.get()
    if c is not None:
        c.subjects.update(subject_ids)


def _read(s3: Any, bucket: str, key: str) -> list[str] | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return [str(s) for s in json.loads(body)["subjects"]]


def _put(s3: Any, bucket: str, key: str, file_key: str, subjects: Iterable[str]) -> None:
    names = sorted(set(subjects))
    doc = {"file": file_key, "count": len(names), "subjects": names,
           "recorded_at": datetime.now(UTC).isoformat(timespec="seconds")}
    s3.put_object(Bucket=bucket, Key=key, ContentType="application/json",
                  Body=json.dumps(doc, ensure_ascii=False).encode("utf-8"))


def _read_pending(s3: Any, bucket: str, key: str) -> list[str] | None:
    earlier = _read(s3, bucket, _pending_key(key))
    return earlier if earlier is not None else _read(s3, bucket, f"{key}{LEGACY_PENDING_SUFFIX}")


def _delete_pending(s3: Any, bucket: str, key: str) -> None:
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": _pending_key(key)},
                                                         {"Key": f"{key}{LEGACY_PENDING_SUFFIX}"}], "Quiet": True})


def begin_intake(s3: Any, bucket: str, key: str) -> None:
    """A delivered file is being taken: collect from now on (with what an earlier part of it collected)."""
    earlier = _read_pending(s3, bucket, key)
    _current.set(_Collection(key, set(earlier or ()), earlier is not None))


def keep_pending(s3: Any, bucket: str, key: str) -> None:
    """The file stays in its incoming folder for another invocation: keep what was collected so far."""
    c = _current.get()
    if c is not None and c.key == key:
        _put(s3, bucket, _pending_key(key), key, c.subjects)
        c.pending = True


def end_intake(s3: Any, bucket: str, key: str, target: str) -> None:
    """The file is moved to `target`: its record first (a file is never there without it)."""
    c = _current.get()
    subjects = c.subjects if c is not None and c.key == key else set()
    if c is None or c.key != key:  # taken without read_delivered in this invocation: what an earlier part kept
        subjects = set(_read_pending(s3, bucket, key) or ())
    _put(s3, bucket, subjects_key(target), target, subjects)
    if c is None or c.key != key or c.pending:
        _delete_pending(s3, bucket, key)
    _current.set(None)


@contextmanager
def collecting() -> Iterator[None]:
    """An outgoing run: the subjects of its access records, for the record of the file it writes."""
    token = _current.set(_Collection(""))
    try:
        yield
    finally:
        _current.reset(token)


def _existing(s3: Any, bucket: str, key: str) -> bytes | None:
    try:
        return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


def put_file(s3: Any, bucket: str, key: str, data: bytes, content_type: str) -> None:
    """Write an outgoing file and, first, its record under subjects/ (the subjects collected by the run so far).
    Written once: a file of that name with the same bytes (a retried step) is kept, its record gaining the subjects
    this run named; other bytes are refused (OutgoingFileExists), nothing written — a run of the same day again
    must not replace a file already there for the counterpart, nor its record (a held person's file would then
    name no one)."""
    c = _current.get()
    if c is None:
        raise RuntimeError("an outgoing exchange file is written inside exchange_subjects.collecting(): "
                           "its record of subjects is written with it")
    existing = _existing(s3, bucket, key)
    if existing is not None and existing != data:
        raise OutgoingFileExists(f"{key}: an outgoing file of that name is written already, with other content; "
                                 "a file is written once (a correction is a file of its own)")
    _put(s3, bucket, subjects_key(key), key, set(c.subjects) | set(read_subjects(s3, bucket, key) or ()))
    if existing is None:
        s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)


def read_subjects(s3: Any, bucket: str, key: str) -> list[str] | None:
    """The subjects recorded for the file `key` (None: the file has no record): under subjects/, or beside the
    file where a record written before the move has not been moved yet."""
    found = _read(s3, bucket, subjects_key(key))
    return found if found is not None else _read(s3, bucket, legacy_subjects_key(key))
