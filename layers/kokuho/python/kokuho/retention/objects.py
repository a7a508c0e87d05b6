"""S3 classes of kokuho/data/retention (intake and export files in the exchange bucket, notices in the work
bucket): an object's day is its last modification in Japan; due per kokuho.retention.classes. The S3 client
is handed in. A file holds many persons: a legal hold keeps a due file whose stored record names a held person
(a notice: its part's access records; an exchange file: its `subjects/<key>.json`), with the files beside it
(docs/retention.md "Legal hold")."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from kokuho.dates.tokyo import TOKYO
from kokuho.notices.print_run import CHAIN_PREFIX as NOTICE_CHAINS
from kokuho.notices.print_run import PREFIX as NOTICES
from kokuho.notices.print_run import subject_chains
from kokuho.platform.exchange import COMPANION_SUFFIXES
from kokuho.platform.exchange_subjects import (
    LEGACY_SUFFIX,
    file_of_record,
    read_subjects,
    subjects_key,
)
from kokuho.platform.exchange_subjects import (
    PREFIX as SUBJECTS,
)
from kokuho.retention.classes import RetentionClass, decide

DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys


def due_keys(s3: Any, bucket: str, prefix: str, cls: RetentionClass, today: date) -> Iterator[str]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            if decide(cls, obj["LastModified"].astimezone(TOKYO).date(), today) == "delete":
                yield obj["Key"]


def delete_keys(s3: Any, bucket: str, keys: list[str]) -> None:
    """Delete (a delete marker in a versioned bucket: the noncurrent version expires by lifecycle)."""
    for i in range(0, len(keys), DELETE_BATCH):
        out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i:i + DELETE_BATCH]],
                                                       "Quiet": True})
        if out.get("Errors"):
            # names the count and the S3 error code only: a key may carry a file id, never shown in an error
            raise RuntimeError(f"retention: {len(out['Errors'])} objects not deleted "
                               f"({out['Errors'][0].get('Code')})")


def move_records(s3: Any, bucket: str, prefix: str) -> int:
    """Records of subjects written beside their files under `prefix` before the records had a prefix of their own
    (`<key>.subjects.json`): each copied to subjects/ (unless one is there already), then deleted, so a
    transfer's sweep of outgoing/ finds only files. The number moved."""
    moved: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            if not key.endswith(LEGACY_SUFFIX):
                continue
            target = subjects_key(key.removesuffix(LEGACY_SUFFIX))
            try:
                s3.head_object(Bucket=bucket, Key=target)
            except s3.exceptions.ClientError:
                s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key})
            moved.append(key)
    delete_keys(s3, bucket, moved)
    return len(moved)


def gone_records(s3: Any, bucket: str, prefix: str, cls: RetentionClass, today: date,
                 deleted: Iterable[str]) -> list[str]:
    """The records under subjects/ to delete after the files `deleted` under `prefix`: theirs, and any record due
    by its own day whose file is gone (never written: the run failed between the two). One not due may be of a
    file about to be written (put_file writes the record first), so it stays; a held file keeps its record."""
    out = {subjects_key(k) for k in deleted if exchange_file_of(k) == k}
    for key in due_keys(s3, bucket, f"{SUBJECTS}{prefix}", cls, today):
        if key in out:
            continue
        try:
            s3.head_object(Bucket=bucket, Key=file_of_record(key))
        except s3.exceptions.ClientError:
            out.add(key)
    return sorted(out)


def notice_index(records: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Chain → the subjects its access records name, for the print runs' chains (NOTICES#…) only."""
    out: dict[str, set[str]] = {}
    for rec in records:
        chain = str(rec["chain"])
        if chain.startswith(NOTICE_CHAINS):
            out.setdefault(chain, set()).update(str(s) for s in rec["subject_ids"])
    return out


def _held_subject(holds: Collection[str], members: Callable[[str], Iterable[str]]) -> Callable[[str], bool]:
    """Per subject: held, or a household one of whose members is held (`members`: a person id answers none)."""
    verdict: dict[str, bool] = {}

    def held(subject: str) -> bool:
        if subject not in verdict:
            verdict[subject] = subject in holds or any(m in holds for m in members(subject))
        return verdict[subject]

    return held


def exchange_file_of(key: str) -> str:
    """The exchange file a key belongs to: itself, or the file a record, reason or error list is beside."""
    return next((key.removesuffix(s) for s in COMPANION_SUFFIXES if key.endswith(s)), key)


def waiting_companions(s3: Any, bucket: str, keys: Iterable[str]) -> set[str]:
    """Due keys written beside a file that is not due yet (its record or reason written just before it, across
    midnight): kept until the file is, so a file is never left without its record of subjects."""
    due = set(keys)
    out: set[str] = set()
    for key in due:
        base = exchange_file_of(key)
        if base != key and base not in due:
            try:
                s3.head_object(Bucket=bucket, Key=base)
            except s3.exceptions.ClientError:
                continue  # its file is gone: nothing to wait for
            out.add(key)
    return out


def held_exchange_files(s3: Any, bucket: str, keys: Iterable[str], holds: Collection[str],
                        members: Callable[[str], Iterable[str]]) -> set[str]:
    """The due keys of the exchange bucket to keep for a legal hold: every key of a file (the file and what is
    beside it) whose record of subjects names a held person or a household with a held member. A file without
    a record (written before records were kept) is not held."""
    if not holds:
        return set()
    held = _held_subject(holds, members)
    files: dict[str, list[str]] = {}
    for key in keys:
        files.setdefault(exchange_file_of(key), []).append(key)
    out: set[str] = set()
    for file_key, group in files.items():
        if any(held(s) for s in read_subjects(s3, bucket, file_key) or ()):
            out.update(group)
    return out


def held_notices(keys: Iterable[str], index: Mapping[str, Collection[str]], holds: Collection[str],
                 members: Callable[[str], Iterable[str]]) -> set[str]:
    """The keys under notices/ to keep for a legal hold: those whose part (or run, for a run's other files)
    names a held person, or a household one of whose members is held (`members`: a household's persons; a
    person id answers none). A file no access record ties to anyone is not held."""
    if not holds:
        return set()
    held = _held_subject(holds, members)
    out: set[str] = set()
    for key in keys:
        if not key.startswith(NOTICES):
            continue
        prefix = subject_chains(key)
        tied = (s for chain, subjects in index.items()
                if chain == prefix or chain.startswith(prefix if prefix.endswith("#") else prefix + "#")
                for s in subjects)
        if any(held(s) for s in tied):
            out.add(key)
    return out
