"""`kokuho mynumber validate NUMBER` (interfaces.md): exit 0 valid, 1 invalid; never echoes the number."""

from __future__ import annotations

import argparse
import sys

from kokuho.identity.mynumber import validation_error


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    v = sub.add_parser("validate", help="check the 12 digits and the check digit")
    v.add_argument("number", help="the candidate My Number (never printed back)")


def run(args: argparse.Namespace) -> int:
    reason = validation_error(args.number)
    if reason is None:
        print("valid: 12 digits, check digit matches")
        return 0
    print(f"invalid: {reason}", file=sys.stderr)
    return 1
