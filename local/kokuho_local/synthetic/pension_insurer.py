"""The pension insurer of the synthetic city (local only): answers a 特別徴収依頼 file (docs/pension_deduction.md)
with the month's 特別徴収 results, the payment file `pension` (docs/payment_files.md) — each deduction asked
for the month 徴収済, or 徴収不能 for the payers named, and nothing for a payer stopped (中止) from that month on.
The demo puts the answer under payments/incoming/pension/ of the exchange bucket for the payment intake."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kokuho.intake.framing import build_file, read_records


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
