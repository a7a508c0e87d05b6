"""Files delivered to the exchange bucket: each intake lists its incoming folder, takes a file whole, and
moves it out — to its processed folder, or to its rejected folder with the reasons beside it (kept for
review). One rule for the federation, city, payment, receipt and attendance files; the folders are each
intake's.

A file whose NAME holds a My Number (in any shape: full-width, hyphenated, spaced, inside a longer name) is
never taken — listed or named directly: its name would otherwise stand in the run's answer, its errors, its
log lines, its "applied once" record and the folder it is moved to. It is refused by a reference that does
not derive from the name alone (`file_ref`), with a log line and the metric `DeliveredFileNamesRefused`
(namespace kokuho; the audit stack's alarm), and left where it was delivered: the intakes' listing functions only read
the bucket, and moving it would copy the name into another key. The security team removes it (README,
"Exchange bucket"); until then every run refuses it again, the same way, writing nothing.

The names the system writes beside a file it moves out (`COMPANION_SUFFIXES`: `<name>.reason.json` /
`.errors.json`, why it was refused; and `<name>.subjects.json`, whose data it holds, as written before those
records moved to subjects/ — kokuho.platform.exchange_subjects) and a part's pending record are the system's:
a delivered file so named is refused the same way (never taken, left in place, logged and counted). Taken and
refused into the same folder, it replaced the record of the file it is named after (a held person's file then
named no one and was deleted at its period) or the reason it was refused."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from kokuho.identity.mynumber import contains_my_number
from kokuho.platform import exchange_subjects
from kokuho.platform.observability import get_logger

METRIC_NAMESPACE = "kokuho"
REFUSED_NAME_METRIC = "DeliveredFileNamesRefused"
METRIC_DIMENSIONS = {"area": "exchange"}  # one series for every intake (the audit stack's alarm): the folder is logged
logger = get_logger("exchange")
REASON_SUFFIX = ".reason.json"  # why a file was refused (move_out's default)
ERRORS_SUFFIX = ".errors.json"  # the city intake's refusals, line by line
# Written beside a file moved out, kept and deleted with it (kokuho.retention.objects): never a delivered file's name.
COMPANION_SUFFIXES = (exchange_subjects.LEGACY_SUFFIX, REASON_SUFFIX, ERRORS_SUFFIX)


class FileNameHoldsMyNumber(ValueError):
    """A delivered file named with a My Number: the message names it only by its reference."""

    def __init__(self, ref: str) -> None:
        super().__init__(f"a delivered file whose name holds a My Number ({ref}) is never taken; "
                         "the security team removes it")
        self.ref = ref


class SystemsFileName(ValueError):
    """A delivered file named like a record the system writes beside a file: the message names it by reference."""

    def __init__(self, ref: str) -> None:
        super().__init__(f"a delivered file named like a record the system writes beside a file ({ref}) is never "
                         "taken; the security team removes it")
        self.ref = ref


def name_holds_my_number(key: str) -> bool:
    return contains_my_number(key)


def name_is_the_systems(key: str) -> bool:
    """A record written beside a file (its subjects, the reason it was refused) or a part's pending record."""
    return key.endswith(COMPANION_SUFFIXES) or exchange_subjects.is_pending(key)


def file_ref(key: str, etag: str) -> str:
    """The reference of a refused file in answers and logs: sha256 over the object's ETag and its key. Not of
    the key alone — a name built around a 12-digit number is found again from its plain hash in hours — and
    base64url, not hex, so the reference itself holds no run of twelve digits."""
    digest = hashlib.sha256(f"{etag.strip(chr(34))}\n{key}".encode()).digest()
    return "sha256:" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


_NAMED_AS_A_RECORD = "named like a record the system writes beside a file"


def _refused(prefix: str, refs: list[str], why: str = "whose name holds a My Number") -> None:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    logger.error(f"refused: a delivered file {why} (left in place for the security team)",
                 extra={"prefix": prefix, "files": len(refs), "refs": refs})
    with single_metric(name=REFUSED_NAME_METRIC, unit=MetricUnit.Count, value=len(refs),
                       namespace=METRIC_NAMESPACE, default_dimensions=METRIC_DIMENSIONS):
        pass


def list_delivered(s3: Any, bucket: str, prefix: str) -> list[str]:
    """The keys of the files waiting under `prefix` (folder markers left out), in key order — never a key whose
    name holds a My Number (refused: logged and counted by reference, left in place)."""
    keys: list[str] = []
    refused: list[str] = []
    systems: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            key = o["Key"]
            if name_holds_my_number(key):
                refused.append(file_ref(key, str(o.get("ETag", ""))))
            elif exchange_subjects.is_pending(key):
                continue  # a part's record, written by the intake: not a file
            elif name_is_the_systems(key):
                systems.append(file_ref(key, str(o.get("ETag", ""))))
            elif not key.endswith("/"):
                keys.append(key)
    if refused:
        _refused(prefix, sorted(refused))
    if systems:
        _refused(prefix, sorted(systems), _NAMED_AS_A_RECORD)
    return sorted(keys)


def is_under(key: object, prefix: str) -> bool:
    """Whether `key`, given by a run's input, names a file under `prefix` and nowhere else: no empty, "." or ".."
    segment, no backslash or control character (a key S3 would take as it is, but a reader as a path)."""
    if not isinstance(key, str) or not key.startswith(prefix) or len(key) > 1024:
        return False
    rest = key[len(prefix):]
    return all(s not in ("", ".", "..") for s in rest.split("/")) and not any(
        c == "\\" or ord(c) < 0x20 or ord(c) == 0x7F for c in rest)


def read_delivered(s3: Any, bucket: str, key: str) -> bytes:
    """The bytes of one delivered file — refused (FileNameHoldsMyNumber, before anything is read or written) if
    its name holds a My Number, or (SystemsFileName) if it is named like a record the system writes beside a file:
    a key named directly to an intake is checked as a listed one is."""
    if name_holds_my_number(key):
        etag = str(s3.head_object(Bucket=bucket, Key=key).get("ETag", ""))
        ref = file_ref(key, etag)
        _refused(_folder(key), [ref])
        raise FileNameHoldsMyNumber(ref)
    if name_is_the_systems(key):
        ref = file_ref(key, str(s3.head_object(Bucket=bucket, Key=key).get("ETag", "")))
        _refused(_folder(key), [ref], _NAMED_AS_A_RECORD)
        raise SystemsFileName(ref)
    data = bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    exchange_subjects.begin_intake(s3, bucket, key)  # whose data it holds: collected until it is moved out
    return data


def _folder(key: str) -> str:
    """The folders of a refused key up to the first one holding a digit (the intake's, never the name)."""
    parts = []
    for part in key.split("/")[:-1]:
        if any(c.isdigit() for c in part) or contains_my_number(part):
            break
        parts.append(part)
    return "/".join(parts) + "/" if parts else ""


def move_out(s3: Any, bucket: str, key: str, incoming: str, to: str, reason: dict[str, Any] | None = None, *,
             suffix: str = REASON_SUFFIX) -> str:
    """Move a taken file from its `incoming` folder to the folder `to` under the same name, and answer its new
    key. A refused file's `reason` is written first, beside it as `<name><suffix>` (JSON): a file is never in
    its rejected folder without why; and the record of whose data it holds (`subjects/<target>.json`,
    kokuho.platform.exchange_subjects), so a legal hold reaches it."""
    if name_holds_my_number(key):  # a taken file was read through read_delivered: this is a wiring fault
        raise FileNameHoldsMyNumber(file_ref(key, ""))
    if name_is_the_systems(key):
        raise SystemsFileName(file_ref(key, ""))
    if suffix not in COMPANION_SUFFIXES:  # what retention keeps and deletes with the file (kokuho.retention.objects)
        raise ValueError("move_out: a reason is written under one of COMPANION_SUFFIXES")
    target = f"{to}{key.removeprefix(incoming)}"
    if reason is not None:
        s3.put_object(Bucket=bucket, Key=f"{target}{suffix}", ContentType="application/json",
                      Body=json.dumps(reason, ensure_ascii=False, indent=1).encode("utf-8"))
    exchange_subjects.end_intake(s3, bucket, key, target)
    s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key})
    s3.delete_object(Bucket=bucket, Key=key)
    return target
