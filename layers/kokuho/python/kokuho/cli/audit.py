"""`kokuho audit verify`: checks every access-record chain and names each broken record.

Runs against the DynamoDB the environment points at (AWS credentials and region, or
AWS_ENDPOINT_URL for a local endpoint). Exit 0 intact, 1 broken.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    v = sub.add_parser("verify", help="verify the hash chains of the access records")
    v.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from kokuho.access.records import verify_all

    chains, records, breaks = verify_all()
    if args.json:
        print(json.dumps({"chains": chains, "records": records, "intact": not breaks,
                          "breaks": [{"chain": b.chain, "seq": b.seq, "reason": b.reason} for b in breaks]},
                         ensure_ascii=False))
    else:
        print(f"checked {chains} chains, {records} access records")
        for b in breaks:
            print(f"BROKEN: {b}")
        print("intact" if not breaks else f"{len(breaks)} break(s) found")
    return 0 if not breaks else 1


if __name__ == "__main__":
    ns = argparse.ArgumentParser(prog="kokuho audit")
    add_arguments(ns)
    sys.exit(run(ns.parse_args()))
