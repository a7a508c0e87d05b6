"""The monthly benefit run (docs/benefit_run.md): engine household-months per second per core, and storage time on the
embedded AWS.

    .venv/bin/python benchmarks/benefit_run.py [--engine-households N] [--stored-households M] [--seed S]

1. Engine: `kokuho.benefits.benefit_month.decide_household` — brackets from incomes and members, the 高額療養費
   engine, 多数回 and the yearly cap, the decision — on N synthetic households (1–4 members of mixed ages, receipts
   in 1–4 months of the window), in memory: a first run (half the months recorded, with their basis) and the next
   month's (every month decided again, unchanged: a run's usual case); and `assess_many` alone on the same cases.
   CPU time of this process (one core).
2. Storage: M households stored on the embedded AWS (qualification persons, households, incomes; receipts per
   person-month), then the run's steps in-process on the DynamoDB adapter (prepare, every batch, summarize),
   the time inside the store's methods (reads, conditional writes, access records) separated from the rest.
   The embedded AWS is moto in this process: its CPU counts as storage here; on AWS it is network time.
Run `uptime` alongside: the machine is shared.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from dataclasses import replace
from datetime import date
from typing import Any

from kokuho.benefits.benefit_month import decide_household, history_start
from kokuho.benefits.benefit_ports import HouseholdFacts, MemberSpan, Pointer
from kokuho.benefits.kogaku import assess_many
from kokuho.benefits.receipt_ports import InsuredPeriod, StoredReceipt

RUN_MONTH = "2025-08"
FIRST, LAST = (2023, 8), (2025, 7)
MONTHS = [(2024, m) for m in range(8, 13)] + [(2025, m) for m in range(1, 8)]
BIRTHS = ["2015-04-02", "1990-06-15", "1978-01-01", "1962-09-30", "1953-03-03", "1951-11-20"]


def synthetic(rng: random.Random, n: int) -> tuple[str, list[tuple[str, str]], dict[str, dict[str, Any]],
                                                   dict[str, dict[tuple[int, int], list[StoredReceipt]]]]:
    members = [(f"P{n}-{i}", rng.choice(BIRTHS)) for i in range(rng.randint(1, 4))]
    incomes = {p: {"total": rng.choice([0, 800_000, 2_500_000, 4_000_000, 9_000_000]), "salary": 0, "pension": 0,
                   "declared": rng.random() > 0.02, "resident_tax_exempt": rng.random() < 0.1} for p, _ in members}
    receipts: dict[str, dict[tuple[int, int], list[StoredReceipt]]] = {}
    for month in rng.sample(MONTHS, rng.randint(1, 4)):
        for p, _ in members:
            if rng.random() < 0.6:
                total = rng.choice([5_000, 30_000, 120_000, 400_000, 1_200_000])
                setting = rng.choice(["outpatient", "outpatient", "inpatient", "dental"])
                receipts.setdefault(p, {}).setdefault(month, []).append(
                    StoredReceipt(f"40100000{rng.randint(10, 30)}", setting, total // 10, total, total * 3 // 10,
                                  "d", 1))
    return f"H{n}", members, incomes, receipts


def facts_of(h: str, members: list[tuple[str, str]], incomes: dict[str, dict[str, Any]],
             receipts: dict[str, dict[tuple[int, int], list[StoredReceipt]]]) -> HouseholdFacts:
    spans = tuple(MemberSpan(p, date.fromisoformat(b), date(2020, 4, 1), None, (InsuredPeriod(date(2020, 4, 1)),))
                  for p, b in members)
    return HouseholdFacts(h, members[0][0], spans, {2024: incomes, 2025: incomes},
                          {p: {m: tuple(rs) for m, rs in ms.items()} for p, ms in receipts.items()})


def engine(n: int, seed: int) -> None:
    rng = random.Random(seed)
    households = [facts_of(*synthetic(rng, i)) for i in range(n)]
    # The inputs live through the measurement: keep the cyclic collector from walking them again and again (a
    # batch Lambda holds 200 households, not 20,000); what the decisions allocate is still collected.
    gc.freeze()
    decide_household(households[0], FIRST, LAST, run_id="warm", at="t")
    c0 = time.process_time()
    decided = [decide_household(f, FIRST, LAST, run_id="bench", at="t") for f in households]
    cpu = time.process_time() - c0
    months = sum(len(d.entries) + len(d.failures) for d in decided)
    considered = sum(len({m for ms in f.receipts.values() for m in ms}) for f in households)
    print(f"decision (brackets + engine + 多数回/cap + input hash): {n:,} households, {considered:,} household-months "
          f"with a receipt ({months:,} with a benefit) in {cpu:.2f} s CPU → {considered / cpu:,.0f} household-months/s "
          f"per core")
    again = [replace(f, latest={v.service_month: Pointer(v.version, v.input_hash, "bench", v.benefit, v.difference,
                                                         bool(v.counts))
                                for v in d.versions}) for f, d in zip(households, decided, strict=True)]
    c0 = time.process_time()
    for f in again:
        decide_household(f, FIRST, LAST, run_id="next", at="t")
    cpu = time.process_time() - c0
    print(f"the next month's run, every month unchanged (the steady state): {considered / cpu:,.0f} "
          f"household-months/s per core")
    cases = [v.doc["case"] for d in decided for v in d.versions]
    gc.collect()
    c0 = time.process_time()
    assess_many(cases)
    cpu = time.process_time() - c0
    print(f"engine alone (assess_many on those months' cases): {len(cases) / cpu:,.0f} household-months/s per core")


class Timed:
    """The store with the time spent in its methods counted (the storage side of the run)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.seconds, self.calls = inner, 0.0, 0
        self.by_method: dict[str, float] = {}

    def __getattr__(self, name: str) -> Any:
        fn = getattr(self.inner, name)

        def timed(*a: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent = time.perf_counter() - t
                self.seconds += spent
                self.calls += 1
                self.by_method[name] = self.by_method.get(name, 0.0) + spent
        return timed


def stored(m: int, seed: int) -> None:
    from kokuho.access.records import Actor
    from kokuho.benefits import benefit_run
    from kokuho.records.benefits import DynamoBenefitStore
    from kokuho.records.qualification import HouseholdModel, IncomeModel, PersonModel, household_pk, person_pk
    from kokuho.records.receipts import PersonMonthModel
    from kokuho_local.embedded import embedded_aws

    rng = random.Random(seed)
    city = [synthetic(rng, i) for i in range(m)]
    with embedded_aws():
        t = time.perf_counter()
        lines = 0
        with PersonModel.batch_write() as w:
            for h, members, _, _ in city:
                for p, birth in members:
                    w.save(PersonModel(person_pk(p), "PROFILE", person_id=p, resident_code=p, household_id=h,
                                       name_kanji="試験", name_kana="シケン", birth_date=birth, sex="1",
                                       relationship="世帯員", postal_code="8020001", address="北九州市",
                                       updated_at="2025-08-01", updated_by="bench",
                                       periods=[{"acquired_on": "2020-04-01", "acquire_reason": "move_in"}]))
        with HouseholdModel.batch_write() as w:
            for h, members, _, _ in city:
                w.save(HouseholdModel(household_pk(h), "PROFILE", household_id=h, householder_id=members[0][0],
                                      members=[{"person_id": p, "relationship": "世帯員", "joined_on": "2020-04-01"}
                                               for p, _ in members], updated_at="2025-08-01", updated_by="bench"))
        with IncomeModel.batch_write() as w:
            for _, _, incomes, _ in city:
                for p, income in incomes.items():
                    for fy in (2024, 2025):
                        w.save(IncomeModel(person_pk(p), f"INCOME#{fy}", income=income))
        with PersonMonthModel.batch_write() as w:
            for _, _, _, receipts in city:
                for p, months in receipts.items():
                    for (y, mo), rs in months.items():
                        lines += len(rs)
                        pk, sk = PersonMonthModel.key(p, (y, mo))
                        w.save(PersonMonthModel(pk, sk, person_id=p, service_month=f"{y:04d}-{mo:02d}",
                                                receipt_count=len(rs), receipts=[
                                                    {"provider_code": r.provider_code, "setting": r.setting,
                                                     "points": r.points, "total_cost": r.total_cost,
                                                     "copay": r.copay, "file_digest": "d", "line": 1} for r in rs]))
        print(f"stored: {m:,} households, {lines:,} receipt lines in {time.perf_counter() - t:.1f} s (setup)")
        store = Timed(DynamoBenefitStore())
        who = Actor(staff_id="system:benefit-run", terminal_id="bench", purpose="benchmark")
        w0, c0 = time.perf_counter(), time.process_time()
        prepared = benefit_run.prepare(store, {"run_month": RUN_MONTH}, execution_name="bench", actor=who)
        for b in prepared["batches"]:
            benefit_run.run_batch(store, {"run_id": prepared["run_id"], "run_month": RUN_MONTH,
                                          "batch_id": b["batch_id"]}, actor=who)
        summary = benefit_run.summarize(store, {"run_id": prepared["run_id"]})
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        print(f"run on the embedded AWS: {summary['households']:,} households, {summary['versions_written']:,} "
              f"versions written, in {wall:.1f} s wall ({cpu:.1f} s CPU): storage {store.seconds:.1f} s in "
              f"{store.calls:,} store calls, the rest (engine, decisions) {wall - store.seconds:.1f} s")
        print("storage by step: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(
            store.by_method.items(), key=lambda kv: -kv[1])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine-households", type=int, default=20_000)
    parser.add_argument("--stored-households", type=int, default=300)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    assert history_start(FIRST) <= FIRST
    engine(args.engine_households, args.seed)
    if args.stored_households:
        stored(args.stored_households, args.seed)


if __name__ == "__main__":
    main()
