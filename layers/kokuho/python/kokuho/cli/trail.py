"""`kokuho trail scan` and `kokuho trail validate` (interfaces.md "Security review").

scan: every CloudTrail log file under DIR through the detections (kokuho/data/detections/); with --json one
finding a line, otherwise a table and a summary. Exit 0 whatever was found; 2 for a directory or file that
cannot be read as CloudTrail, naming it.
validate: the digest chain and every log file's SHA-256, offline; one line per file; exit 0 only when every
file is valid, 1 otherwise, 2 when DIR or the public-key file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from kokuho.trail.detections import load_detections
from kokuho.trail.logs import TrailFileError
from kokuho.trail.scan import Finding, scan_directory


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    scan = sub.add_parser("scan", help="run the detections over the CloudTrail logs under DIR")
    scan.add_argument("--logs", required=True, metavar="DIR", type=Path, help="folder of CloudTrail log files")
    scan.add_argument("--bulk-read-threshold", type=int, default=None, metavar="N",
                      help="bulk-read: report more than N reads by one principal within 5 minutes (default 5000)")
    scan.add_argument("--json", action="store_true", help="one JSON object a line per finding")
    validate = sub.add_parser("validate", help="validate the digest chain and the log files' hashes, offline")
    validate.add_argument("--logs", required=True, metavar="DIR", type=Path, help="the trail bucket's root as copied")
    validate.add_argument("--public-keys", required=True, metavar="FILE", type=Path,
                          help="the JSON that CloudTrail ListPublicKeys returns")
    validate.add_argument("--json", action="store_true", help="one JSON object a line per file checked")
    query = sub.add_parser("query", help="run one of the Athena named queries locally (DuckDB) over DIR")
    query.add_argument("name", nargs="?", help="the named query (see --list)")
    query.add_argument("--list", action="store_true", help="list the named queries and their parameters")
    query.add_argument("--logs", metavar="DIR", type=Path, help="the trail bucket's root as copied")
    query.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                       help="a parameter of the query (days as YYYY-MM-DD)")
    query.add_argument("--json", action="store_true", help="one JSON object a line per row")


def run(args: argparse.Namespace) -> int:
    if args.action == "scan":
        return _scan(args)
    if args.action == "query":
        return _query(args)
    return _validate(args)


def _scan(args: argparse.Namespace) -> int:
    overrides = {}
    if args.bulk_read_threshold is not None:
        if args.bulk_read_threshold < 0:
            print("--bulk-read-threshold: must be 0 or more", file=sys.stderr)
            return 2
        overrides["bulk-read"] = {"count": args.bulk_read_threshold}
    try:
        scanner = scan_directory(args.logs, load_detections(), overrides)
    except TrailFileError as exc:
        print(f"kokuho trail scan: {exc}", file=sys.stderr)
        return 2
    findings = scanner.findings()
    if args.json:
        out = sys.stdout
        for finding in findings:
            out.write(json.dumps(finding.to_json(), ensure_ascii=False) + "\n")
        return 0
    print(_table(findings))
    by_rule = Counter(f.rule for f in findings)
    summary = ", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.items())) or "none"
    print(f"\n{scanner.records:,} records read; {len(findings)} findings ({summary})")
    return 0


def _table(findings: list[Finding]) -> str:
    header = ("severity", "rule", "principal", "count", "first", "last", "first event")
    rows = [(f.severity, f.rule, f.principal or "-", str(f.count), f.first, f.last,
             str(f.event_ids[0]) if f.event_ids else "-") for f in findings]
    if not rows:
        return "no findings"
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in (header, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _validate(args: argparse.Namespace) -> int:
    from kokuho.trail.validate import PublicKeyError, load_public_keys, validate_directory

    try:
        keys = load_public_keys(args.public_keys)
        results = validate_directory(args.logs, keys)
    except (TrailFileError, PublicKeyError) as exc:
        print(f"kokuho trail validate: {exc}", file=sys.stderr)
        return 2
    if not results:
        # The contract's exit 0 ("every file is valid") holds of no file too; a reviewer pointing at the wrong
        # folder must still not read it as an all-clear.
        print(f"kokuho trail validate: no digest or log file under {args.logs}: nothing was validated",
              file=sys.stderr)
    if args.json:
        for r in results:
            sys.stdout.write(json.dumps({"file": r.file, "kind": r.kind, "status": r.status}) + "\n")
    else:
        bad = [r for r in results if r.status != "valid"]
        for r in bad:
            print(f"{r.status.upper():12} {r.kind:6} {r.file}" + (f"  ({r.reason})" if r.reason else ""))
        counts = Counter((r.kind, r.status) for r in results)
        parts = [f"{kind}s: " + ", ".join(f"{counts[(kind, s)]} {s}" for s in
                                          ("valid", "invalid", "missing", "not-covered") if counts[(kind, s)])
                 for kind in ("digest", "log") if any(k == kind for k, _ in counts)]
        print("no files — nothing validated" if not results else
              "; ".join(parts) + (" — all valid" if not bad else f" — {len(bad)} not valid"))
    return 0 if all(r.status == "valid" for r in results) else 1


def _query(args: argparse.Namespace) -> int:
    from kokuho.trail.athena import QueryError, load_queries, query_named

    if args.list:
        for q in load_queries():
            print(f"{q.name}  ({', '.join(dict.fromkeys(q.params))})\n    {q.description}")
        return 0
    try:
        if not args.name or args.logs is None:
            raise QueryError("give a query name and --logs DIR (or --list)")
        from kokuho.trail.duckdb_local import connect, run_query

        query = query_named(args.name)
        values = {}
        for item in args.param:
            name, sep, value = item.partition("=")
            if not sep:
                raise QueryError(f"--param {item!r}: NAME=VALUE")
            values[name] = value
        columns, found = run_query(connect(args.logs), query, values)
    except (QueryError, TrailFileError) as exc:
        print(f"kokuho trail query: {exc}", file=sys.stderr)
        return 2
    # A log holds what callers wrote into it (a session's name, a table asked for): printed as `trail scan` prints
    # it, any value holding a My Number redacted.
    rows = [tuple(_shown(v) for v in row) for row in found]
    if args.json:
        for row in rows:
            sys.stdout.write(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=str) + "\n")
        return 0
    print(_grid(columns, [[_cell(v) for v in row] for row in rows]))
    print(f"\n{len(rows)} row(s)")
    return 0


def _shown(value: Any) -> Any:
    from kokuho.identity.redaction import without_my_numbers

    if isinstance(value, str):
        return without_my_numbers(value)
    if isinstance(value, list | tuple):
        return [_shown(v) for v in value]
    if isinstance(value, dict):
        return {without_my_numbers(str(k)): _shown(v) for k, v in value.items()}
    if isinstance(value, int) and not isinstance(value, bool) and without_my_numbers(str(value)) != str(value):
        return without_my_numbers(str(value))
    return value


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(str(v) for v in value[:3]) + (f" (+{len(value) - 3})" if len(value) > 3 else "")
    return str(value)


def _grid(header: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "no rows"
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in (header, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
