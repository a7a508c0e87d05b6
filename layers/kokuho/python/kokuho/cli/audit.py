"""`kokuho audit verify`: checks the signed digest chain and every access-record chain against it, and
names each break (an edited or deleted record, a truncated tail, a rewritten head, a deleted chain, a
forged or missing digest).

Runs against the AWS the environment points at: DynamoDB (the access-log table), S3 (the audit
bucket: `--bucket`, else KOKUHO_BUCKET_AUDIT, else the embedded AWS's `kokuho-audit`) and KMS (the
digest key's public part: `--key`, else KOKUHO_SIGNING_KEY_ACCESS_DIGEST, else its alias). On AWS:
credentials of the security team's read-only role, AWS_REGION=ap-northeast-1 and
`--bucket kokuho-audit-<account>-ap-northeast-1`. Exit 0 intact, 1 broken.

`kokuho audit who-accessed|staff|export --as STAFF` needs the member's active `read_access_records` grant, as the
API's routes do (exit 1 without, the refusal recorded); an export is recorded as that member, from `--terminal`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    v = sub.add_parser("verify", help="verify the access records against their chains and the signed digests")
    v.add_argument("--json", action="store_true", help="print the result as JSON")
    v.add_argument("--bucket", help="the audit bucket holding access-digests/ (default: KOKUHO_BUCKET_AUDIT)")
    v.add_argument("--key", help="the digest signing key id, ARN or alias (default: its alias)")
    e = sub.add_parser("export", help="write one day's access records as JSON Lines for Athena/DuckDB (recorded)")
    e.add_argument("--day", required=True, help="the day, YYYY-MM-DD (UTC)")
    e.add_argument("--out", required=True, type=Path, metavar="DIR",
                   help="the bucket copy's root: writes access-records/YYYY/MM/DD/… under it")
    e.add_argument("--as", dest="as_staff", required=True, help="your staff id (the export is recorded as you)")
    e.add_argument("--terminal", default="cli", help="your terminal id (default: cli)")
    for name, what, helptext in (("who-accessed", "person", "every access to one person's data in a period"),
                                 ("staff", "staff_id", "every access one member of staff made in a period")):
        s = sub.add_parser(name, help=f"{helptext} (recorded as an access itself)")
        s.add_argument(what, help="internal person id (never a My Number)" if what == "person"
                       else "staff id, or system:<workflow>")
        s.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD (the day in Japan)")
        s.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD (the day in Japan), included")
        s.add_argument("--format", choices=("csv", "json"), default="csv")
        s.add_argument("--as", dest="as_staff", required=True, help="your staff id (the search is recorded)")
        s.add_argument("--terminal", default="cli", help="your terminal id (default: cli)")


def _search(args: argparse.Namespace) -> int:
    from kokuho.access.grants import Function
    from kokuho.access.records import AccessRecordError
    from kokuho.access.search import FIELDS, PURPOSE, STAFF_FIELDS, SearchError, staff_activity, to_csv, to_json
    from kokuho.access.search import who_accessed as search_person
    from kokuho.cli.acting import acting

    person = args.action == "who-accessed"
    # the API's grant (アクセス記録の点検), checked and a refusal recorded as the route does
    actor = acting(f"audit {args.action}", args.as_staff, args.terminal, Function.READ_ACCESS_RECORDS, PURPOSE,
                   subjects=[args.person if person else f"STAFF:{args.staff_id}"], category="access_records",
                   operation="search_subject" if person else "search_staff")
    if isinstance(actor, int):
        return actor
    fields: tuple[str, ...]
    try:
        if args.action == "who-accessed":
            rows, fields = search_person(args.person, args.date_from, args.date_to, actor), FIELDS
        else:
            rows, fields = staff_activity(args.staff_id, args.date_from, args.date_to, actor), STAFF_FIELDS
    except (SearchError, AccessRecordError) as exc:
        print(f"kokuho audit {args.action}: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(to_json(rows) + "\n" if args.format == "json" else to_csv(rows, fields))
    return 0


def _export(args: argparse.Namespace) -> int:
    from kokuho.access.export import CATEGORY, ExportError, export_day, parse_day
    from kokuho.access.grants import Function
    from kokuho.access.records import AccessRecordError
    from kokuho.access.search import PURPOSE
    from kokuho.cli.acting import NotGranted, staff_actor

    try:
        day = parse_day(args.day)
        # Every record of the day is read: the grant of reading them (アクセス記録の点検), as who-accessed needs.
        actor = staff_actor(args.as_staff, args.terminal, Function.READ_ACCESS_RECORDS, PURPOSE,
                            subjects=[f"EXPORT:{day.isoformat()}"], category=CATEGORY, operation="export_day")
        path, count = export_day(day, args.out, actor)
    except NotGranted as exc:
        print(f"kokuho audit export: {exc}", file=sys.stderr)
        return 1
    except (ExportError, AccessRecordError) as exc:
        print(f"kokuho audit export: {exc}", file=sys.stderr)
        return 2
    print(f"{count} access record(s) of {args.day} → {path}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.action in ("who-accessed", "staff"):
        return _search(args)
    if args.action == "export":
        return _export(args)
    from kokuho.access.digest import verify

    result = verify(args.bucket, args.key)
    if args.json:
        print(json.dumps({"chains": result.chains, "records": result.records, "bucket": result.bucket,
                          "bucket_found": result.bucket_found, "digests": result.digests,
                          "latest_digest": result.latest_digest, "intact": result.intact,
                          "breaks": result.breaks}, ensure_ascii=False))
    else:
        print(f"checked {result.chains} chains, {result.records} access records")
        if result.latest_digest:
            print(f"against {result.digests} signed digest(s), the latest {result.latest_digest} "
                  f"written {result.latest_written_at}")
        elif result.bucket_found:
            print(f"no signed digest in s3://{result.bucket}/access-digests/ yet: a rewritten head, a truncated "
                  "tail or a deleted chain cannot be seen")
        for b in result.breaks:
            print(f"BROKEN: {b}")
        print("intact" if result.intact else f"{len(result.breaks)} break(s) found")
    return 0 if result.intact else 1


if __name__ == "__main__":
    ns = argparse.ArgumentParser(prog="kokuho audit")
    add_arguments(ns)
    sys.exit(run(ns.parse_args()))
