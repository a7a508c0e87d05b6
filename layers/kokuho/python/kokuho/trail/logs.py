"""Finding and reading CloudTrail log files under a directory (a copy of the trail's bucket, or any folder).

Log files are `*.json.gz` and `*.json`, each `{"Records": [...]}`; digest files (under `CloudTrail-Digest/`)
and `*.signature` files are not logs. A file that cannot be read or is not a CloudTrail log stops the
read with a `TrailFileError` naming the file: a review that silently skipped a file would miss its events.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Optional, TypedDict, Union

DIGEST_FOLDER = "CloudTrail-Digest"
CHUNK = 1 << 20
# What no file CloudTrail delivers comes near, uncompressed (a log holds about five minutes of one region's events;
# a digest, one hour's list of logs): past it a file is refused, naming it, before it is inflated further — a gzip
# bomb of a few kilobytes would otherwise fill the reviewer's memory.
MAX_LOG_BYTES = 512 << 20
MAX_DIGEST_BYTES = 64 << 20
# What `principal` reads.
PRINCIPAL_FIELDS = ("userIdentity.sessionContext.sourceIdentity", "userIdentity.arn", "userIdentity.invokedBy")


class TrailFileError(Exception):
    """A directory or file that cannot be read as CloudTrail; `path` names it."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def _walk(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        raise TrailFileError(root, "not a readable directory")
    try:
        os.listdir(root)
    except OSError as exc:
        raise TrailFileError(root, f"cannot be read ({exc.strerror or exc})") from exc

    def on_error(exc: OSError) -> None:
        raise TrailFileError(exc.filename or root, f"cannot be read ({exc.strerror or exc})")

    for folder, dirs, files in os.walk(root, onerror=on_error):
        dirs.sort()
        for name in sorted(files):
            yield Path(folder, name)


def is_digest(path: Path, root: Path) -> bool:
    return DIGEST_FOLDER in path.relative_to(root).parts


def log_files(root: Path) -> list[Path]:
    """Every log file under `root`, recursively, in path order (digests and signatures left out)."""
    return [p for p in _walk(root)
            if p.name.endswith((".json.gz", ".json")) and not is_digest(p, root)]


def digest_files(root: Path) -> list[Path]:
    """Every digest file under `root` (`CloudTrail-Digest/…/*.json.gz`), in path order."""
    return [p for p in _walk(root)
            if p.name.endswith((".json.gz", ".json")) and is_digest(p, root)]


def inflated(path: Path, limit: int) -> Iterator[bytes]:
    """The uncompressed content of a log or digest file (gzip'd when its name ends in .gz, every member of it), in
    chunks of at most CHUNK bytes; a TrailFileError once it passes `limit` bytes, never inflating much further."""
    gz = path.name.endswith(".gz")
    total = 0
    try:
        with path.open("rb") as handle:
            inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
            fed = False  # the current gzip member has been given data
            while chunk := handle.read(CHUNK):
                pending = chunk
                while pending:
                    if not gz:
                        out, pending = pending, b""
                    else:
                        out = inflater.decompress(pending, CHUNK)  # never more than CHUNK out for what it is given
                        pending, fed = inflater.unconsumed_tail, True
                        if inflater.eof:  # another gzip member may follow
                            pending = inflater.unused_data
                            inflater, fed = zlib.decompressobj(zlib.MAX_WBITS | 16), False
                    total += len(out)
                    if total > limit:
                        raise TrailFileError(path, f"larger than {limit:,} bytes uncompressed: no CloudTrail file is "
                                                   "(a gzip bomb?); not read further")
                    if out:
                        yield out
            if gz and fed:
                raise TrailFileError(path, "not a gzip file (the compressed data ends before its end marker)")
    except OSError as exc:
        raise TrailFileError(path, f"cannot be read ({exc.strerror or exc})") from exc
    except zlib.error as exc:
        raise TrailFileError(path, f"not a gzip file ({exc})") from exc


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The uncompressed content of a log or digest file (gzip'd when it ends in .gz), at most `limit` bytes
    (MAX_LOG_BYTES by default)."""
    return b"".join(inflated(path, MAX_LOG_BYTES if limit is None else limit))


def parse_records(path: Path, data: bytes) -> list[dict[str, Any]]:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TrailFileError(path, f"not a CloudTrail log (not JSON: {exc})") from exc
    except RecursionError as exc:  # no CloudTrail record nests near the parser's depth
        raise TrailFileError(path, "not a CloudTrail log (JSON nested too deep)") from exc
    records = doc.get("Records") if isinstance(doc, dict) else None
    if not isinstance(records, list):
        raise TrailFileError(path, 'not a CloudTrail log (no "Records" list)')
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise TrailFileError(path, f"not a CloudTrail log (record {i} is not an object)")
    return records


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of one log file."""
    return parse_records(path, read_bytes(path))


def principal(record: dict[str, Any]) -> str | None:
    """Who made the call (interfaces.md): the session's source identity (the member of staff or the run id)
    when present, otherwise the identity's ARN, otherwise the AWS service that called on its behalf."""
    identity = record.get("userIdentity")
    if not isinstance(identity, dict):
        return None
    context = identity.get("sessionContext")
    if isinstance(context, dict):
        source = context.get("sourceIdentity")
        if source:
            return str(source)
    arn = identity.get("arn")
    if arn:
        return str(arn)
    invoked_by = identity.get("invokedBy")
    return str(invoked_by) if invoked_by else None


class _Items(dict[str, Any]):
    """In the field tree: the member is a list, and these are the fields of its elements."""


def _insert(node: dict[str, Any], parts: list[str]) -> None:
    part, rest = parts[0], parts[1:]
    existing = node.get(part, {})
    if not rest or rest == ["*"] or existing is None:
        node[part] = None  # a leaf: decoded whole
        return
    wants_items = rest[0] == "*"
    if node.get(part) is not None and isinstance(existing, _Items) != wants_items:
        node[part] = None  # read both as a list and as an object: decode it whole
        return
    child = node.setdefault(part, _Items() if wants_items else {})
    _insert(child, rest[1:] if wants_items else rest)


def _typed_decoder(fields: Iterable[str]) -> Callable[[bytes], Any] | None:
    """A JSON decoder that builds only the fields the detections read (msgspec, a dev dependency: the
    scan's speed is parsing, and most of a record — request parameters, resources — is never looked at).
    None when msgspec is not installed: the full parse gives the same records for those fields."""
    try:
        import msgspec
    except ImportError:
        return None
    tree: dict[str, Any] = {}
    for name in fields:
        _insert(tree, name.split("."))
    counter = iter(range(1_000_000))
    make_typed_dict: Any = TypedDict  # built from the detections' fields at run time

    def typed(node: dict[str, Any]) -> Any:
        members: dict[str, Any] = {}
        for key, child in node.items():
            if child is None:
                members[key] = Any
            elif isinstance(child, _Items):  # a list of objects (a dict there reads as having no items)
                members[key] = Optional[Union[list[Optional[typed(child)]], dict[str, Any]]]  # type: ignore[misc]  # noqa: UP007, UP045
            else:
                members[key] = Optional[typed(child)]  # noqa: UP045
        return make_typed_dict(f"Fields{next(counter)}", members, total=False)

    decoder = msgspec.json.Decoder(make_typed_dict("Log", {"Records": list[typed(tree)]}))  # type: ignore[misc]

    def decode(data: bytes) -> Any:
        try:
            return decoder.decode(data)["Records"]
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None  # let the full parse say what is wrong, or read an unusual but valid record
    return decode


class RecordReader:
    """Reads log files, keeping at least `fields` (dotted paths) of each record."""

    def __init__(self, fields: Iterable[str]) -> None:
        self._decode = _typed_decoder({*fields, *PRINCIPAL_FIELDS, "eventTime", "eventID", "eventSource"})

    def read(self, path: Path) -> list[dict[str, Any]]:
        data = read_bytes(path)
        if self._decode is not None:
            records = self._decode(data)
            if records is not None:
                return list(records)
        return parse_records(path, data)
