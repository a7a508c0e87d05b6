"""A payment file applied on the embedded AWS, against the time of writing its records alone.

    .venv/bin/python benchmarks/payment_file_apply.py [--households N]

N households (ten installments each, one ledger and ten 納付番号 a household), then a 収納データ file paying
every installment by its 納付番号 (10 × N lines). Measured, wall clock in-process on moto:
- **apply**: `intake_payment_file` — the whole file validated, the slips and ledgers read, matched, written
  (each payment's PAYMENT item put once, each ledger's list appended, the access records) and marked;
- **write only**: the same records written by the same store call (`DynamoCollectionStore.apply`, the same
  chunks) on a fresh copy of the city, without reading, validating or matching;
and their ratio (goal: apply within 2× of write only). Run `uptime` alongside: the machine is shared.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from kokuho.access.records import Actor
from kokuho.collection.ledger import charge_from_version
from kokuho.collection.payment_files import RECEIPTS, validate_file
from kokuho.collection.payment_intake import _chunks, _plan, intake_payment_file
from kokuho.collection.slips import slips_of
from kokuho.intake.framing import build_file
from kokuho.premium.installments import split_equally
from kokuho.records.collection import DynamoCollectionStore
from kokuho_local.embedded import embedded_aws
from kokuho_local.ledger_seed import seed_version

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
ACTOR = Actor("system:benchmark", "bench", "benchmark")


def city(store: DynamoCollectionStore, households: int) -> list[str]:
    numbers = []
    charges = [charge_from_version(f"H{n:07d}", 2024, version=1, payer_id=f"H{n:07d}-P1", annual=100_000,
                                   installments=split_equally(100_000, MONTHS)) for n in range(households)]
    for c in charges:  # each ledger's charge: its assessment version (payments here find it by slip)
        seed_version(c)
    slips = [s for c in charges for s in slips_of(c)]
    store.put_slips(slips)
    numbers = [s.number for s in slips]
    return numbers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--households", type=int, default=1_000)
    args = ap.parse_args()
    lines = None
    with embedded_aws():
        store = DynamoCollectionStore()
        t = time.perf_counter()
        numbers = city(store, args.households)
        setup = time.perf_counter() - t
        lines = [{"receipt_id": f"CVS-{k}", "channel": "コンビニ", "amount": 10_000, "paid_on": "2024-07-10",
                  "payment_number": n} for k, n in enumerate(numbers)]
        data = build_file(lines)
        t, cpu = time.perf_counter(), time.process_time()
        out = intake_payment_file(RECEIPTS, data, store=store, actor=ACTOR, key="bench", received_on=date(2024, 7, 20))
        apply_s, apply_cpu = time.perf_counter() - t, time.process_time() - cpu
        assert out["applied"] == len(lines), out
    with embedded_aws():
        store = DynamoCollectionStore()
        city(store, args.households)
        parsed, _ = validate_file(RECEIPTS, data)
        assert parsed is not None
        plan, _, _ = _plan(store, parsed.payments, parsed.failures, "bench")  # built, not timed
        chunks = _chunks(plan)
        t, cpu = time.perf_counter(), time.process_time()
        for writes, queued in chunks:
            store.apply(writes, queued, actor=ACTOR, chain="bench")
        write_s, write_cpu = time.perf_counter() - t, time.process_time() - cpu
    n = len(lines)
    print(f"households: {args.households:,}  lines: {n:,}  (city set-up {setup:.1f} s)")
    print(f"apply the file (validate, read, match, write, mark): {apply_s:.1f} s  ({n / apply_s:,.0f} lines/s)")
    print(f"write its records only (same store call, same chunks): {write_s:.1f} s  ({n / write_s:,.0f} lines/s)")
    print(f"ratio apply / write: {apply_s / write_s:.2f}  goal ≤ 2: {'met' if apply_s <= 2 * write_s else 'NOT met'}")
    # CPU: the whole embedded AWS runs in this process, so CPU time is the work itself, whatever the load
    print(f"CPU: apply {apply_cpu:.1f} s, write only {write_cpu:.1f} s, ratio {apply_cpu / write_cpu:.2f}  "
          f"goal ≤ 2: {'met' if apply_cpu <= 2 * write_cpu else 'NOT met'}")


if __name__ == "__main__":
    main()
