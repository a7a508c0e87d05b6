"""`kokuho retention`: legal holds (保存期間の停止) that stop the retention purge for a named person. Needs an
active `legal_hold` grant for `--as`; each hold placed or lifted is recorded as an access to the person.
Exit 1 without the grant, 2 when a rule refuses (no reason, a day to come, a hold already in force, none to lift).

  hold PERSON --as STAFF --reason TEXT [--on DATE] [--terminal T]
  lift PERSON --as STAFF [--terminal T]
"""

from __future__ import annotations

import argparse
import sys
from datetime import date


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_staff", required=True, help="your staff id (every step is recorded)")
    parser.add_argument("--terminal", default="cli", help="your terminal id (default: cli)")
    sub = parser.add_subparsers(dest="action", required=True)
    h = sub.add_parser("hold", help="place a legal hold on a person's records")
    h.add_argument("person")
    h.add_argument("--reason", required=True)
    h.add_argument("--on", type=date.fromisoformat, default=None)
    lift = sub.add_parser("lift", help="lift a person's legal hold")
    lift.add_argument("person")


def run(args: argparse.Namespace) -> int:
    from kokuho.access.grants import Function
    from kokuho.cli.acting import acting
    from kokuho.dates.tokyo import today_jst
    from kokuho.retention.holds import CATEGORY, HoldError, lift_hold, place_hold
    from kokuho.retention.wiring import hold_store

    purpose = "保存期間の停止 (legal hold)"
    # refused, and the refusal recorded like the API's
    actor = acting(f"retention {args.action}", args.as_staff, args.terminal, Function.LEGAL_HOLD, purpose,
                   subjects=[args.person], category=CATEGORY, operation=args.action, named_purpose=purpose)
    if isinstance(actor, int):
        return actor
    store = hold_store()
    try:
        if args.action == "hold":
            hold = place_hold(actor, args.person, args.reason, args.on or today_jst(), store=store)
            print(f"{hold.person_id}: held from {hold.placed_on.isoformat()}")
        else:
            lift_hold(actor, args.person, store=store)
            print(f"{args.person}: hold lifted")
    except HoldError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    return 0
