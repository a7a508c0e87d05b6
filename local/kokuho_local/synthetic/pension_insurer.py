"""The pension insurer of the synthetic city (local only), for a demo that shows pension payments:

- `targets(city)`: its 特別徴収対象者情報 (city file kind `pension`, docs/city_intake_files.md) — every
  householder aged 65 and over with a pension (the same persons the synthetic care file gives a 介護保険料),
  to put under city-incoming/pension/ (key `targets_key(city)`) before the city-intake run;
- `answer(requests, month)`: the month's 特別徴収 results (the payment file `pension`, docs/payment_files.md)
  to the 依頼 files the pension run wrote (outgoing/pension/) — each deduction asked for the month 徴収済, or
  徴収不能 for the payers named, nothing for a payer stopped (中止) from that month on — to put under
  payments/incoming/pension/ for the payment intake.

Between them, `kokuho.payments.pension_service.run_pension_deduction(on=…, run_id=…)` decides and files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from kokuho.intake.framing import build_file, read_records
from kokuho_local.synthetic.city import City
from kokuho_local.synthetic.city_files import atena_of

INSURER = "001"  # 日本年金機構
PENSION_CODE = "1150"  # 老齢基礎・厚生年金


def targets_key(city: City) -> str:
    return f"pension/{city.fiscal_year}-05-targets.jsonl"


def targets(city: City) -> list[dict[str, Any]]:
    """The insurer's notice: householders 65 and over on 1 April with a pension of 180,000 yen or more."""
    april = date(city.fiscal_year, 4, 1)
    out = []
    for h in city.households:
        head = h.case["household"]["members"][0]
        birth = date.fromisoformat(head["birth_date"])
        age = april.year - birth.year - ((april.month, april.day) < (birth.month, birth.day))
        if age >= 65 and head["income"]["pension"] >= 180_000:
            atena = atena_of(head["id"])
            out.append({"atena_no": atena, "fiscal_year": city.fiscal_year, "insurer_code": INSURER,
                        "pension_code": PENSION_CODE, "basic_pension_number": f"{int(atena) % 10**10:010d}",
                        "pension_annual": int(head["income"]["pension"])})
    return out


def answer(requests: Iterable[bytes], month: str, *, not_deducted: Mapping[str, str] | None = None) -> bytes:
    """The result file of `month` (YYYY-MM) for every 依頼 file so far; `not_deducted`: payer → reason."""
    asked: dict[tuple[str, int], int] = {}
    stopped: dict[tuple[str, int], str] = {}
    for data in requests:
        records, errors = read_records(data)
        if errors:
            raise ValueError(f"not a 依頼 file: {errors[0]}")
        for _, r in records:
            key = (str(r["payer_id"]), int(r["fiscal_year"]))
            if r["kind"] == "中止":
                stopped[key] = min(stopped.get(key, "9999-99"), str(r["month"]))
            elif r["month"] == month:
                asked[key] = int(r["amount"])
    refused = dict(not_deducted or {})
    rows = []
    for (payer, fy), amount in sorted(asked.items()):
        if stopped.get((payer, fy), "9999-99") <= month:
            continue
        row = {"payer_id": payer, "fiscal_year": fy, "month": month, "amount": amount,
               "result": "徴収不能" if payer in refused else "徴収済"}
        if payer in refused:
            row["reason"] = refused[payer]
        rows.append(row)
    return build_file(rows)
