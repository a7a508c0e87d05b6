"""`kokuho late-charge --case FILE|-` (interfaces.md "Late charge"): 延滞金 of a payer's installments as JSON.

Exit 0 with the output on stdout; exit 2 with `field: reason` on stderr for a case that cannot be read or is
refused (the field named as interfaces.md names it). `--explain` prints, on stderr, the day runs, rates and
bases as a clerk reads them aloud; stdout stays the contract's JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from typing import Any

from kokuho.cli.answer import write_answer
from kokuho.cli.case_input import CaseInputError, read_case
from kokuho.collection.late_charge import (
    BASE_UNIT,
    MINIMUM_INSTALLMENT,
    InstallmentCharge,
    LateChargeResult,
    MissingRates,
    assess_late_charges,
    load_rates,
)
from kokuho.collection.late_charge_case import LateChargeCaseError, parse_case
from kokuho.dates.era import era_date


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--case", required=True, metavar="FILE", help="late-charge case JSON file, or - for stdin")
    parser.add_argument("--explain", action="store_true",
                        help="print on stderr the day runs, rates and bases of each installment's 延滞金")


def _rate(value: Decimal) -> str:
    return format(value.normalize(), "f")  # "2.4", never "2.40" or "2.4E+0"


def to_json(result: LateChargeResult) -> dict[str, Any]:
    """The contract's output (interfaces.md "Late charge")."""
    return {
        "installments": [
            {"number": i.number, "due": i.due.isoformat(), "reminder_by": i.reminder_by.isoformat(),
             "principal": i.principal, "paid": i.paid, "unpaid": i.unpaid, "late_charge": i.late_charge,
             "final": i.final,
             "segments": [{"from": s.start.isoformat(), "to": s.end.isoformat(), "days": s.days,
                           "rate": _rate(s.rate), "base": s.base} for s in i.segments]}
            for i in result.installments
        ],
        "late_charge_total": result.late_charge_total,
        "overpayment": result.overpayment,
    }


def explain(inst: InstallmentCharge) -> list[str]:
    """One installment's working, in the words a clerk reads aloud."""
    lines = [f"第{inst.number}期 納期限 {era_date(inst.due)} 本税 {inst.principal:,}円 納付済 {inst.paid:,}円 "
             f"未納 {inst.unpaid:,}円 (督促状は {era_date(inst.reminder_by)} までに)"]
    if inst.principal < MINIMUM_INSTALLMENT:
        lines.append(f"  本税が{MINIMUM_INSTALLMENT:,}円未満のため延滞金はかかりません")
        return lines
    if not inst.segments:
        # No day after the due date with a base: paid in full by the due date, a remainder under 1,000 yen
        # from it on (rule 2), or (with 1,000 yen or more owed) as_of not yet past the due date.
        if inst.owed_after_due == 0:
            lines.append("  納期限までに完納のため延滞金はかかりません")
        elif inst.owed_after_due < BASE_UNIT:
            lines.append(f"  納期限後の未納 {inst.owed_after_due:,}円 が{BASE_UNIT:,}円未満のため延滞金はかかりません")
        else:
            lines.append("  納期限を過ぎていないため延滞金はかかりません")
        return lines
    for s in inst.segments:
        amount = s.base * s.days * s.rate / 100 / 365
        lines.append(f"  {era_date(s.start)}から{era_date(s.end)}まで {s.days}日 × 年{_rate(s.rate)}% × "
                     f"{s.base:,}円 ÷ 365 = {amount:.2f}円")
    exact = float(inst.exact_charge)
    if inst.late_charge:
        lines.append(f"  計 {exact:,.2f}円 → 100円未満切捨て {inst.late_charge:,}円"
                     + ("" if inst.final else " (本税の未納があるため確定していません)"))
    else:
        lines.append(f"  計 {exact:,.2f}円 → 1,000円未満のため延滞金はかかりません")
    return lines


def run(args: argparse.Namespace) -> int:
    try:
        case = parse_case(read_case(args.case))
        result = assess_late_charges(case.installments, case.payments, case.as_of, load_rates())
    except (CaseInputError, LateChargeCaseError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except MissingRates as exc:
        print(f"as_of: {exc}", file=sys.stderr)
        return 2
    if args.explain:
        for inst in result.installments:
            print("\n".join(explain(inst)), file=sys.stderr)
    return write_answer(json.dumps(to_json(result), ensure_ascii=False))
