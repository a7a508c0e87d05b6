"""Latency of the private API's search, read and change handlers (資格管理API), in-process on the embedded
AWS with 10,000 persons loaded (issue 4: goal p95 ≤ 20 ms for read).

    .venv/bin/python benchmarks/qualification_api.py [--persons 10000] [--calls 300] [--profile]

1. Loading: households of 1–4 persons (≈2.5 a household), each person registered and given a
   qualification (取得, 転入) through the application layer itself (kokuho.qualification.application:
   register_person + register_qualification), so the items are exactly what the API writes — profile,
   search keys, history, household, access record, and the assessment's household projection — in
   their transactions. Only the per-request parts (HTTP event, identity, grant check) are skipped.
2. Staff and grants through kokuho.access.staff (put_staff/put_grant): a reader (資格照会) and a clerk
   (異動登録).
3. The handler (functions/qualification/api.py) is called with real API Gateway REST proxy events
   (staff identity in requestContext.authorizer; kokuho.qualification.local_api.rest_event), N calls a
   route, different persons each call: search by kana (20 hits a page), search by 住民コード, read person,
   read household with history, 転居 registration (POST /persons/{id}/moves).
4. Prints p50/p95/max per route and the access records written; with --profile, cProfile's split of
   one read route's time into our code, botocore (serialising/parsing) and moto (the embedded store).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "functions"))

READER, CLERK = "S2001", "S2002"
RESIDENT_FROM = "2026-04-01"
RELATIONSHIPS = ("世帯主", "妻", "子", "子")


def _household_sizes(persons: int) -> list[int]:
    rng, sizes, total = random.Random(4), [], 0
    while total < persons:
        n = min(rng.choice((1, 1, 2, 2, 3, 3, 4)), persons - total)
        sizes.append(n)
        total += n
    return sizes


def _staff() -> None:
    from kokuho.access.grants import Function
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff

    for staff_id, fns in ((READER, (Function.READ_QUALIFICATION,)),
                          (CLERK, (Function.READ_QUALIFICATION, Function.REGISTER_CHANGE))):
        put_staff(StaffMember(staff_id, f"職員 {staff_id}", "国保年金課", date(2020, 4, 1), None))
        for i, fn in enumerate(fns):
            put_grant(Grant(staff_id, f"G{i:02d}", fn.value, "国民健康保険の資格管理 (国民健康保険法第9条)",
                            "番号法第9条第1項 別表第一 30の項", "国保年金課", date(2020, 4, 1), date(2099, 3, 31),
                            "S9001", "2020-04-01T09:00:00+09:00"))


def _households(persons: int) -> Iterator[tuple[int, str, list[Any]]]:
    """(number, household id, [Person]) of the benchmark's city: deterministic, ages 0–71."""
    from kokuho.qualification.local_api import sample_person
    from kokuho.qualification.model import Person

    for h, size in enumerate(_household_sizes(persons)):
        hid = f"H{h:07d}"
        members = []
        for m in range(size):
            birth = date(1955 + (h * 7 + m * 13) % 35 if m < 2 else 2000 + (h + m) % 20, (h % 12) + 1, m + 1)
            fields = sample_person(f"{hid}-P{m + 1}", hid, h, m + 1, relationship=RELATIONSHIPS[m],
                                   birth_date=birth.isoformat(), sex="1" if m % 2 == 0 else "2",
                                   resident_from=RESIDENT_FROM)
            members.append(Person(**{k: v for k, v in fields.items() if k not in ("birth_date", "resident_from")},
                                  birth_date=birth, resident_from=date.fromisoformat(RESIDENT_FROM)))
        yield h, hid, members


class _Collect:
    """Stands in for pynamodb's TransactWrite in application._add_change: keeps the models it would
    save (the last one of a key wins, versions advanced as a transaction's save advances them)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Any] = {}

    def save(self, model: Any, condition: Any = None) -> None:
        if "version" in model.get_attributes():
            model.version = (model.version or 0) + 1
        self.items[(model.pk, model.sk)] = model


def load_bulk(persons: int, say: Any) -> list[tuple[str, list[str]]]:
    """The same qualification items the application layer writes — each registration and 取得 computed
    by the domain (kokuho.qualification.service) and turned into items by the application's own
    `_add_change` — written with BatchWriteItem instead of one transaction each. Not written: the
    loader's access records and the assessment projection (no benchmarked route reads them)."""
    from dataclasses import replace

    from kokuho.access.records import Actor
    from kokuho.qualification import application as appsvc
    from kokuho.qualification import service
    from kokuho.qualification.reasons import Reason
    from kokuho.records.qualification import PersonModel

    actor = Actor("S9001", "T-LOAD-01", "初期移行 (benchmark)")
    today, on = date.today(), date.fromisoformat(RESIDENT_FROM)
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    out: list[tuple[str, list[str]]] = []
    t0, done, pending = time.perf_counter(), 0, _Collect()

    def flush() -> None:
        with PersonModel.batch_write() as batch:  # any model class: a batch writes any item of the table
            for model in pending.items.values():
                batch.save(model)
        pending.items.clear()

    for h, hid, members in _households(persons):
        household = None
        states: dict[str, Any] = {}  # the members registered so far, as the application would read them
        for person in members:
            change = service.register_person(person, household, today)
            appsvc._add_change(pending, change, actor, None, at)  # type: ignore[arg-type]
            household = replace(change.households[hid], version=(household.version if household else 0) + 1)
            states[person.person_id] = replace(person, version=1)
            change = service.acquire(states[person.person_id], household, states, Reason.MOVE_IN, on, today)
            appsvc._add_change(pending, change, actor, "転入届", at)  # type: ignore[arg-type]
            household = replace(change.households[hid], version=household.version + 1)
            states[person.person_id] = replace(change.persons[person.person_id], version=2)
        out.append((hid, [p.person_id for p in members]))
        done += len(members)
        if len(pending.items) >= 2_000:
            flush()
        if h % 1000 == 999:
            say(f"  loaded {done:,}/{persons:,} persons ({done / (time.perf_counter() - t0):,.0f}/s)")
    flush()
    return out


def load_through_application(persons: int, say: Any) -> list[tuple[str, list[str]]]:
    """Register every person and their 取得 through kokuho.qualification.application (2 transactions a
    person, with access records and the projection): the reference path, ~20 persons/s on moto."""
    from kokuho.access.records import Actor
    from kokuho.qualification import application as appsvc
    from kokuho.qualification.reasons import Reason

    actor = Actor("S9001", "T-LOAD-01", "初期移行 (benchmark)")
    today = date.today()
    out: list[tuple[str, list[str]]] = []
    t0, done = time.perf_counter(), 0
    for h, hid, members in _households(persons):
        for person in members:
            appsvc.register_person(actor, person, None, today)
            appsvc.register_qualification(actor, person.person_id, Reason.MOVE_IN,
                                          date.fromisoformat(RESIDENT_FROM), 1, "転入届", today)
        out.append((hid, [p.person_id for p in members]))
        done += len(members)
        if h % 500 == 499:
            say(f"  loaded {done:,}/{persons:,} persons ({done / (time.perf_counter() - t0):,.0f}/s)")
    return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _access_records() -> int:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from kokuho.platform.tables import AWS_REGION, table

    # records only (sk REC#…), not the chain heads; read from the store itself, not through the API
    store = dynamodb_backends[DEFAULT_ACCOUNT_ID][AWS_REGION].get_table(table("access_log").name())
    return len([i for i in store.all_items() if i.range_key is not None and str(i.range_key.value).startswith("REC#")])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=300, help="calls a route (default 300)")
    parser.add_argument("--load-through-application", action="store_true",
                        help="load with one transaction per registration (slow: ~20 persons/s on moto)")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile split of the read-person and search-by-住民コード routes")
    args = parser.parse_args(argv)

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    import os

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # one log line a request would dominate stdout
    from kokuho.platform.embedded import embedded_aws
    from kokuho.qualification.local_api import api_context, rest_event

    with embedded_aws():
        from qualification.api import handler

        from kokuho.access import limits
        from kokuho.access.grants import Function

        # One reader makes N calls a route: the volume limits (300 persons an hour) would refuse most.
        # The counters are still updated on every call, so their cost is in the figures.
        generous = limits.parse_limits({"window_seconds": 3600, "functions": {
            f.value: {"persons_per_hour": 10**9, "search_pages_per_query": 10**9} for f in Function}})
        limits.load_limits = lambda version=1: generous  # type: ignore[assignment]
        _staff()
        t = time.perf_counter()
        households = (load_through_application if args.load_through_application else load_bulk)(args.persons, say)
        load_s = time.perf_counter() - t
        persons = [(hid, pid) for hid, ids in households for pid in ids]
        how = "through the application layer (2 transactions a person)" if args.load_through_application else \
            "in bulk (the application's items, BatchWriteItem)"
        print(f"loaded {len(persons):,} persons in {len(households):,} households {how} in {load_s:.1f} s "
              f"({len(persons) / load_s:,.0f} persons/s)")

        rng = random.Random(11)
        picks = rng.sample(persons, min(args.calls + 1, len(persons)))
        warm, picks = picks[0], picks[1:]  # the warm-up's person is not timed (a 転居 changes its version)
        from kokuho.qualification.local_api import sample_person

        def kana_of(hid: str) -> str:
            h = int(hid[1:])
            return str(sample_person("x", hid, h, 1, relationship="世帯主", birth_date="2000-01-01", sex="1",
                                     resident_from=RESIDENT_FROM)["name_kana"]).split()[0]

        def resident_code(pid: str) -> str:
            h, m = int(pid[1:8]), int(pid.rsplit("P", 1)[1])
            return f"{h % 1_000_000:06d}{m:02d}"

        routes: dict[str, Any] = {
            "search by kana (GET /persons?kana=, 20 a page)":
                lambda hid, pid, i: rest_event("GET", "/persons", staff_id=READER, query={"kana": kana_of(hid)}),
            "search by 住民コード (GET /persons?resident_code=)":
                lambda hid, pid, i: rest_event("GET", "/persons", staff_id=READER,
                                               query={"resident_code": resident_code(pid)}),
            "read person (GET /persons/{id})":
                lambda hid, pid, i: rest_event("GET", f"/persons/{pid}", staff_id=READER),
            "read household + history (GET /households/{id})":
                lambda hid, pid, i: rest_event("GET", f"/households/{hid}", staff_id=READER),
            "転居 (POST /persons/{id}/moves)":
                lambda hid, pid, i: rest_event("POST", f"/persons/{pid}/moves", staff_id=CLERK, body={
                    "postal_code": "802-0002", "address": f"北九州市小倉北区京町{i % 9 + 1}-1",
                    "moved_on": "2026-10-01", "version": 2, "note": "転居届"}),
        }
        results: dict[str, list[float]] = {}
        statuses: dict[str, dict[int, int]] = {}
        records_before = _access_records()
        for name, build in routes.items():
            # warm-up: imports, first client, first query plan — not what a steady container pays
            handler(build(*warm, 0), api_context())
            times: list[float] = []
            codes: dict[int, int] = {}
            for i, (hid, pid) in enumerate(picks):
                event = build(hid, pid, i)
                t = time.perf_counter()
                resp = handler(event, api_context())
                times.append((time.perf_counter() - t) * 1000)
                codes[resp["statusCode"]] = codes.get(resp["statusCode"], 0) + 1
            results[name], statuses[name] = times, codes
        records = _access_records() - records_before

        print(f"\nqualification API handler, in-process on the embedded AWS (moto), {len(persons):,} persons, "
              f"{len(picks)} calls a route (ms)")
        print(f"{'route':52} {'p50':>7} {'p95':>7} {'max':>7}  statuses")
        for name, times in results.items():
            print(f"{name:52} {statistics.median(times):7.2f} {_percentile(times, 0.95):7.2f} "
                  f"{max(times):7.2f}  {statuses[name]}")
        print(f"access records written during the timed calls (and warm-ups): {records:,}")

        if args.profile:
            _profile("read person", handler,
                     [rest_event("GET", f"/persons/{pid}", staff_id=READER) for _, pid in picks])
            _profile("search by 住民コード", handler, [rest_event(
                "GET", "/persons", staff_id=READER, query={"resident_code": resident_code(pid)}) for _, pid in picks])
    return 0


def _profile(label: str, handler: Any, events: list[dict[str, Any]]) -> None:
    """Where a read's time goes: inside moto's backend (the embedded store), inside botocore (request
    building and response parsing — paid on AWS too) or in our code and the libraries it calls."""
    from kokuho.qualification.local_api import api_context

    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    for event in events:
        handler(event, api_context())
    prof.disable()
    total = (time.perf_counter() - t) * 1000 / len(events)
    stats = pstats.Stats(prof)

    def cum(file_part: str, func: str) -> float:
        entries = stats.stats  # type: ignore[attr-defined]
        return sum(v[3] for (f, _, fn), v in entries.items() if file_part in f and fn == func) \
            * 1000 / len(events)

    api_calls = cum("botocore/client.py", "_make_api_call")
    moto = cum("moto/core/botocore_stubber.py", "__call__")
    index = cum("moto/dynamodb/models/table.py", "query")
    print(f"\n{label} under cProfile ({len(events)} calls; profiling inflates every figure): "
          f"{total:.2f} ms a call = moto's backend {moto:.2f} ms + botocore {api_calls - moto:.2f} ms "
          f"+ our code and the rest {total - api_calls:.2f} ms (of moto's: Table.query {index:.2f} ms)")
    print("top functions by own time (our code's share outside the AWS calls):")
    stats.sort_stats("tottime").print_stats(8)


if __name__ == "__main__":
    raise SystemExit(main())
