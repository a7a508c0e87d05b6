"""`kokuho requests`: the desk's handling of a person's requests about their own data (assessment V) and
of inquiries. Each step needs the active grant of its step for `--as` (GRANT_OF: exit 1 without, the refusal
recorded) and is recorded as an access by `--as` at `--terminal`; exit 2 names the field a rule
refuses (a bad date, an extension too long or too late, a refusal without reason, …), 1 when the request
is unknown or was changed by someone else meanwhile.

  receive ID --person P --kind disclosure|correction|suspension --verification V --on DATE [--details JSON]
  extend ID --person P --until DATE --reason TEXT --on DATE
  decide ID --person P --outcome granted|partial|refused [--reason TEXT] --on DATE
  carry-out ID --person P --on DATE [--out DIR]        (a disclosure writes its JSON and PDF into DIR)
  due [--today DATE]                                   (undecided requests, due first; overdue marked)
  inquiry-log ID --on DATE --channel 窓口|電話|郵送|電子メール --question TEXT [--person P]
  inquiry-answer ID --received DATE --answer TEXT --on DATE
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from kokuho.dates.days import iso_day
from kokuho.dates.tokyo import today_jst

# The grant each step needs: the function of the step's private API route (functions/qualification/request_routes.py),
# one grant per step so that no one member alone receives, decides and carries out; the operation its refusal is
# recorded as.
GRANT_OF = {"receive": "requests_receive", "extend": "requests_decide", "decide": "requests_decide",
            "carry-out": "requests_carry_out", "due": "requests_read", "inquiry-log": "inquiry_log",
            "inquiry-answer": "inquiry_log"}
OPERATION_OF = {"carry-out": "carry_out", "due": "list_due", "inquiry-log": "log_inquiry",
                "inquiry-answer": "answer_inquiry"}


def _day(value: str) -> date:
    try:
        return iso_day(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: a date as YYYY-MM-DD") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_staff", required=True, help="your staff id (every step is recorded)")
    parser.add_argument("--terminal", default="cli", help="your terminal id (default: cli)")
    sub = parser.add_subparsers(dest="action", required=True)
    r = sub.add_parser("receive", help="record a request received, with how identity was verified")
    r.add_argument("request_id")
    r.add_argument("--person", required=True)
    r.add_argument("--kind", required=True)
    r.add_argument("--verification", required=True)
    r.add_argument("--on", required=True, type=_day)
    r.add_argument("--details", default=None, help="JSON object (correction: field and new values; "
                   "suspension: categories and grounds; disclosure: scope)")
    e = sub.add_parser("extend", help="extend the period once (at most 30 days) with its reason")
    e.add_argument("request_id")
    e.add_argument("--person", required=True)
    e.add_argument("--until", required=True, type=_day)
    e.add_argument("--reason", required=True)
    e.add_argument("--on", required=True, type=_day)
    d = sub.add_parser("decide", help="decide: granted, partial or refused (with reason)")
    d.add_argument("request_id")
    d.add_argument("--person", required=True)
    d.add_argument("--outcome", required=True)
    d.add_argument("--reason")
    d.add_argument("--on", required=True, type=_day)
    c = sub.add_parser("carry-out", help="do what was granted (disclosure: JSON and PDF into --out)")
    c.add_argument("request_id")
    c.add_argument("--person", required=True)
    c.add_argument("--on", required=True, type=_day)
    c.add_argument("--out", type=Path)
    u = sub.add_parser("due", help="undecided requests, the one due first first")
    u.add_argument("--today", type=_day, default=None)
    q = sub.add_parser("inquiry-log", help="log an inquiry (問い合わせ)")
    q.add_argument("inquiry_id")
    q.add_argument("--on", required=True, type=_day)
    q.add_argument("--channel", required=True)
    q.add_argument("--question", required=True)
    q.add_argument("--person")
    a = sub.add_parser("inquiry-answer", help="record the answer to an inquiry")
    a.add_argument("inquiry_id")
    a.add_argument("--received", required=True, type=_day)
    a.add_argument("--answer", required=True)
    a.add_argument("--on", required=True, type=_day)


def run(args: argparse.Namespace) -> int:
    from kokuho.access.records import AccessRecordError
    from kokuho.cli.acting import acting
    from kokuho.cli.case_input import CaseInputError
    from kokuho.cli.case_input import parse as parse_json
    from kokuho.requests import workflow
    from kokuho.requests.model import RequestError
    from kokuho.requests.ports import CATEGORY, StoreConflict

    person = getattr(args, "person", None)
    # the grant of the step, as the API's route of the step needs it (one member never does every step)
    actor = acting(f"requests {args.action}", args.as_staff, args.terminal, GRANT_OF[args.action], workflow.PURPOSE,
                   subjects=[person] if person else [], category=CATEGORY,
                   operation=OPERATION_OF.get(args.action, args.action))
    if isinstance(actor, int):
        return actor
    try:
        if args.action == "receive":
            try:  # as strictly as the API's bodies: a key given twice, too deep, NaN… says two things
                details = parse_json(args.details.encode("utf-8")) if args.details else None
            except CaseInputError as exc:
                raise RequestError("details", f"a JSON object ({exc})") from None
            if details is not None and not isinstance(details, dict):
                raise RequestError("details", "a JSON object")
            req = workflow.receive_request(actor, args.request_id, args.person, args.kind, args.on,
                                           args.verification, details)
            print(f"{req.request_id}: received {req.received_on.isoformat()}, decision due by "
                  f"{req.decide_by.isoformat()}")
        elif args.action == "extend":
            req = workflow.extend_request(actor, args.person, args.request_id, args.until, args.reason, args.on)
            print(f"{req.request_id}: extended, decision due by {req.decide_by.isoformat()}")
        elif args.action == "decide":
            req = workflow.decide_request(actor, args.person, args.request_id, args.outcome, args.on, args.reason)
            late = " (after the period)" if req.decision and req.decision.late else ""
            print(f"{req.request_id}: {args.outcome}{late}")
        elif args.action == "carry-out":
            req, out = workflow.carry_out_request(actor, args.person, args.request_id, args.on, args.out)
            print(f"{req.request_id}: carried out {json.dumps(req.result, ensure_ascii=False)}")
            for path in (out.json_path, out.pdf_path):
                if path is not None:
                    print(f"  {path}")
        elif args.action == "due":
            today = args.today or today_jst()
            for row in workflow.due_requests(today, actor):
                flag = "OVERDUE " if row["overdue"] else ""
                print(f"{flag}{row['decide_by']}  {row['request_id']}  {row['kind']}  {row['person_id']}"
                      + ("  (extended)" if row["extended"] else ""))
        elif args.action == "inquiry-log":
            inquiry = workflow.log_inquiry(actor, args.inquiry_id, args.on, args.channel, args.question, args.person)
            print(f"{inquiry.inquiry_id}: logged {inquiry.received_on.isoformat()}")
        else:
            inquiry = workflow.answer_inquiry(actor, args.inquiry_id, args.received, args.answer, args.on)
            print(f"{inquiry.inquiry_id}: answered {args.on.isoformat()}")
    except (RequestError, AccessRecordError) as exc:
        print(f"kokuho requests {args.action}: {exc}", file=sys.stderr)
        return 2
    except (workflow.NotFound, StoreConflict) as exc:
        print(f"kokuho requests {args.action}: {exc}", file=sys.stderr)
        return 1
    return 0
