"""`kokuho audit verify`: checks the signed digest chain and every access-record chain against it, and
names each break (an edited or deleted record, a truncated tail, a rewritten head, a deleted chain, a
forged or missing digest).

Runs against the AWS the environment points at: DynamoDB (the access-log table), S3 (the audit
bucket: `--bucket`, else KOKUHO_BUCKET_AUDIT, else the embedded AWS's `kokuho-audit`) and KMS (the
digest key's public part: `--key`, else KOKUHO_SIGNING_KEY_ACCESS_DIGEST, else its alias). On AWS:
credentials of the security team's read-only role, AWS_REGION=ap-northeast-1 and
`--bucket kokuho-audit-<account>-ap-northeast-1`. Exit 0 intact, 1 broken.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    v = sub.add_parser("verify", help="verify the access records against their chains and the signed digests")
    v.add_argument("--json", action="store_true", help="print the result as JSON")
    v.add_argument("--bucket", help="the audit bucket holding access-digests/ (default: KOKUHO_BUCKET_AUDIT)")
    v.add_argument("--key", help="the digest signing key id, ARN or alias (default: its alias)")


def run(args: argparse.Namespace) -> int:
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
