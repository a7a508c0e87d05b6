"""`kokuho kogaku --case FILE|-` (interfaces.md "High-cost ceiling"): one household's 高額療養費.

Prints {"service_month", "ceiling", "multiple", "benefit"} (plus "explain" with --explain) and exits 0;
a rejected case exits 2 with one line per offending field on standard error.
"""

from __future__ import annotations

import argparse
import json
import sys

from kokuho.benefits.case import CaseError, parse_case
from kokuho.benefits.ceilings import CeilingNotGiven
from kokuho.benefits.kogaku import assess
from kokuho.cli.answer import write_answer
from kokuho.cli.case_input import CaseInputError, read_case

EXIT_REJECTED = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--case", required=True, metavar="FILE",
                        help="the JSON case (interfaces.md), or - for standard input")
    parser.add_argument("--explain", action="store_true",
                        help="add an 'explain' list: each step of the computation in plain words")


def _reject(lines: list[str]) -> int:
    for line in lines:
        print(f"kokuho kogaku: rejected: {line}", file=sys.stderr)
    return EXIT_REJECTED


def run(args: argparse.Namespace) -> int:
    try:
        raw = read_case(args.case)
    except CaseInputError as exc:
        return _reject([str(exc)])
    try:
        result = assess(parse_case(raw))
    except CaseError as exc:
        return _reject([str(e) for e in exc.errors])
    except CeilingNotGiven as exc:
        return _reject([f"{exc.field}: {exc}"])
    return write_answer(json.dumps(result.to_json(explain=args.explain), ensure_ascii=False))
