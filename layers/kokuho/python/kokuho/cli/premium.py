"""`kokuho premium --case FILE|-` (interfaces.md "Premium"): one household's NHI premium as JSON.

Exit 0 with the output on stdout; exit 2 with a message naming the field for an invalid case, and
exit 2 naming what is missing for a fiscal year whose rate file is missing or incomplete.
"""

from __future__ import annotations

import argparse
import json
import sys

from kokuho.cli.answer import write_answer
from kokuho.cli.case_input import CaseInputError, read_case
from kokuho.premium import CaseError, RateFileError, load_rate_table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--case", required=True, metavar="FILE", help="premium case JSON file, or - for stdin")
    parser.add_argument("--explain", action="store_true",
                        help="add an 'explain' key: every component with its rule, rate, months and rounding")
    parser.add_argument("--rates-dir", metavar="DIR", default=None,
                        help="directory of fyYYYY.json rate files (default: the packaged ones)")


def run(args: argparse.Namespace) -> int:
    try:
        case = read_case(args.case)
    except CaseInputError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    from kokuho.premium import compute_case, explain_case
    from kokuho.premium.case import validate_case

    try:
        model = validate_case(case)
        rates = load_rate_table(model.fiscal_year, args.rates_dir)
        out = explain_case(case, rates) if args.explain else compute_case(case, rates)
    except CaseError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except RateFileError as exc:
        print(f"fiscal_year: {exc}", file=sys.stderr)
        return 2
    if rates.provisional:
        print(f"note: FY{rates.fiscal_year} rates are provisional ({rates.source})", file=sys.stderr)
    return write_answer(json.dumps(out, ensure_ascii=False, indent=2 if args.explain else None))
