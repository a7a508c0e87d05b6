"""Latency of the private API's search, read and change handlers (資格管理API), in-process on the embedded
AWS with 10,000 persons loaded (issue 4: goal p95 ≤ 20 ms for read).

    .venv/bin/python benchmarks/qualification_api.py [--persons 10000] [--calls 300] [--profile]

1. Loading: households of 1–4 persons (≈2.5 a household), each person registered and given a
   qualification (取得, 転入) through the application layer itself (kokuho.qualification.application:
   register_person + register_qualification), so the items are exactly what the API writes — profile,
   search keys, history, household, access record, and the assessment's household projection — in
   their transactions. Only the per-request parts (HTTP event, identity, grant check) are skipped.
2. Staff and grants through kokuho.access.staff (put_staff/put_grant): a reader (資格照会), a clerk
   (異動登録, 資格確認書) and a member of staff holding every grant (番号, 試算, 権限一覧, 承認).
3. The handler (functions/qualification/api.py) is called with real API Gateway REST proxy events of
   IAM-signed calls, as deployed (requestContext.identity of a staff role session the login broker
   registered — kokuho_local.local_api.broker_login and rest_event — so every call also looks its
   session up), N calls a
   route, for EVERY route of the route table (qualification.api.ROUTES): the four searches (kana 20 a
   page, 住民コード, birth date, postal code + address), reads, each registration on persons of its own,
   cards (交付 then 回収), My Number store → reveal → lookup and the review list, the counter
   simulation, the permission review, the approval queue and a decision, the OpenAPI document.
   The loaded city is frozen out of the garbage collector (gc.freeze) before the timed calls: it is the
   embedded AWS's data, which on AWS is not in the function's heap; without it a full collection
   walks the whole store now and then (pauses of 1–2 s in a route's max). Every object a request
   makes is collected as usual.
4. Prints p50/p95/max per route, wall and CPU (this thread's), each p95 with PASS/FAIL against the
   goal (p95 ≤ 20 ms), the load average, and the access records written; with --by-call, each route's
   CPU split by AWS operation; with --profile, cProfile's split of one read route's time into our
   code, botocore (serialising/parsing) and moto (the embedded store).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "functions"))

READER, CLERK, ALL = "S2001", "S2002", "S2003"
GOAL_P95_MS = 20.0  # issue 8: p95 ≤ 20 ms for every route, in-process, 10,000 persons
PURPOSE = "国民健康保険の資格管理 (国民健康保険法第9条)"
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
                          (CLERK, (Function.READ_QUALIFICATION, Function.REGISTER_CHANGE, Function.ISSUE_CARD)),
                          (ALL, tuple(Function))):
        put_staff(StaffMember(staff_id, f"職員 {staff_id}", "国保年金課", date(2020, 4, 1), None))
        for i, fn in enumerate(fns):
            put_grant(Grant(staff_id, f"G{i:02d}", fn.value, PURPOSE,
                            "番号法第9条第1項 別表第一 30の項", "国保年金課", date(2020, 4, 1), date(2099, 3, 31),
                            "S9001", "2020-04-01T09:00:00+09:00"))


def _households(persons: int) -> Iterator[tuple[int, str, list[Any]]]:
    """(number, household id, [Person]) of the benchmark's city: deterministic, ages 0–71."""
    from kokuho.qualification.model import Person
    from kokuho_local.local_api import sample_person

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
    """Stands in for pynamodb's TransactWrite in the store's _add_change: keeps the models it would
    save (the last one of a key wins, versions advanced as a transaction's save advances them)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Any] = {}

    def save(self, model: Any, condition: Any = None) -> None:
        if "version" in model.get_attributes():
            model.version = (model.version or 0) + 1
        self.items[(model.pk, model.sk)] = model


def load_bulk(persons: int, say: Any) -> list[tuple[str, list[str]]]:
    """The same qualification items the application layer writes — each registration and 取得 computed
    by the domain (kokuho.qualification.service) and turned into items by the application's own store
    (`PynamoQualificationStore._add_change`) — written with BatchWriteItem instead of one transaction
    each. Not written: the loader's access records and the assessment projection (no benchmarked route reads them)."""
    from dataclasses import replace

    from kokuho.access.records import Actor
    from kokuho.qualification import service
    from kokuho.qualification.ports import one_note
    from kokuho.qualification.reasons import Reason
    from kokuho.records.qualification import PersonModel
    from kokuho.records.qualification_store import PynamoQualificationStore

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

    from kokuho.records import search_index

    tokens = search_index.writer_tokens()

    def directories(change: Any) -> list[Any]:  # the store writes the new ones; the batch keeps one a key
        return [d for p in change.persons.values() for d in search_index.directory_items(tokens, p)]

    for h, hid, members in _households(persons):
        household = None
        states: dict[str, Any] = {}  # the members registered so far, as the application would read them
        for person in members:
            change = service.register_person(person, household, today)
            PynamoQualificationStore._add_change(pending, change, one_note(change, None), actor, at,  # type: ignore[arg-type]
                                                 directories(change))
            household = replace(change.households[hid], version=(household.version if household else 0) + 1)
            states[person.person_id] = replace(person, version=1)
            change = service.acquire(states[person.person_id], household, states, Reason.MOVE_IN, on, today)
            PynamoQualificationStore._add_change(pending, change, one_note(change, "転入届"), actor,  # type: ignore[arg-type]
                                                 at, directories(change))
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
    parser.add_argument("--only", action="append", default=[],
                        help="time only the routes whose name holds this text (repeatable)")
    parser.add_argument("--profile-dir", type=Path, default=None,
                        help="write a cProfile stats file of each timed route's calls into this directory")
    parser.add_argument("--by-call", action="store_true",
                        help="split each route's CPU time by AWS operation (calls a request and ms a request)")
    args = parser.parse_args(argv)

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    import os

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # one log line a request would dominate stdout
    from kokuho_local.embedded import embedded_aws
    from kokuho_local.local_api import api_context, broker_login, rest_event

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
        sessions = {sid: broker_login(sid, "T-BENCH-01").caller for sid in (READER, CLERK, ALL)}
        gc.collect()
        gc.freeze()  # the embedded AWS's store, not the function's heap (see the docstring)
        how = "through the application layer (2 transactions a person)" if args.load_through_application else \
            "in bulk (the application's items, BatchWriteItem)"
        print(f"loaded {len(persons):,} persons in {len(households):,} households {how} in {load_s:.1f} s "
              f"({len(persons) / load_s:,.0f} persons/s)")

        rng = random.Random(11)
        n = min(args.calls, len(persons) // 16)
        pool = rng.sample(persons, min(len(persons), n * 14 + 1))
        warm = pool.pop()  # the warm-up's person is not timed (warm-ups change versions)
        slices = iter([pool[k * n:(k + 1) * n] for k in range(14)])
        members = [hp for hp in persons if not hp[1].endswith("-P1") and hp not in set(pool)][:n]  # not 世帯主
        from kokuho_local.local_api import sample_person

        def kana_of(hid: str) -> str:
            h = int(hid[1:])
            return str(sample_person("x", hid, h, 1, relationship="世帯主", birth_date="2000-01-01", sex="1",
                                     resident_from=RESIDENT_FROM)["name_kana"]).split()[0]

        def resident_code(pid: str) -> str:
            h, m = int(pid[1:8]), int(pid.rsplit("P", 1)[1])
            return f"{h % 1_000_000:06d}{m:02d}"

        def birth_of(pid: str) -> str:
            h, m = int(pid[1:8]), int(pid.rsplit("P", 1)[1]) - 1
            return date(1955 + (h * 7 + m * 13) % 35 if m < 2 else 2000 + (h + m) % 20, (h % 12) + 1,
                        m + 1).isoformat()

        def postal_of(hid: str) -> tuple[str, str]:
            h = int(hid[1:])
            person = sample_person("x", hid, h, 1, relationship="世帯主", birth_date="2000-01-01", sex="1",
                                   resident_from=RESIDENT_FROM)
            return str(person["postal_code"]), str(person["address"])

        def number(i: int) -> str:  # a valid My Number per call: never printed
            from kokuho.identity.mynumber import check_digit

            first = f"{7_000_000_000 + i:011d}"
            return first + str(check_digit(first))

        cards: dict[str, str] = {}

        def keep_card(resp: dict[str, Any], pid: str) -> None:
            if resp["statusCode"] == 201:
                cards[pid] = json.loads(resp["body"])["card_id"]

        def get(path: str, staff: str = READER, **query: str) -> dict[str, Any]:
            return rest_event("GET", path, staff_id=staff, query=query or None, caller=sessions[staff])

        def post(path: str, body: dict[str, Any], staff: str = CLERK) -> dict[str, Any]:
            return rest_event("POST", path, staff_id=staff, body=body, caller=sessions[staff])

        change = {"version": 2, "note": "届出"}
        stored = next(slices)
        carded = next(slices)
        # (route, the persons it is called on, event builder, hook on the response) — every route of
        # qualification.api.ROUTES; each write route on persons of its own (versions as loaded).
        routes: list[tuple[str, list[tuple[str, str]], Callable[[str, str, int], dict[str, Any]], Any]] = [
            ("search by kana (GET /persons?kana=, 20 a page)", next(slices),
             lambda hid, pid, i: get("/persons", kana=kana_of(hid)), None),
            ("search by 住民コード (GET /persons?resident_code=)", next(slices),
             lambda hid, pid, i: get("/persons", resident_code=resident_code(pid)), None),
            ("search by birth date (GET /persons?birth_date=)", next(slices),
             lambda hid, pid, i: get("/persons", birth_date=birth_of(pid)), None),
            ("search by postal code + address (GET /persons?postal_code=&address=)", next(slices),
             lambda hid, pid, i: get("/persons", postal_code=postal_of(hid)[0], address=postal_of(hid)[1]), None),
            ("read person (GET /persons/{id})", next(slices), lambda hid, pid, i: get(f"/persons/{pid}"), None),
            ("read household + history (GET /households/{id})", next(slices),
             lambda hid, pid, i: get(f"/households/{hid}"), None),
            ("宛名 registration (POST /persons)", pool[:n],
             lambda hid, pid, i: post("/persons", sample_person(
                 f"N{i:06d}-P1", f"N{i:06d}", 20_000 + i, 1, relationship="世帯主", birth_date="1980-01-01",
                 sex="1", resident_from=RESIDENT_FROM)), None),
            ("喪失 (POST /persons/{id}/qualification)", next(slices),
             lambda hid, pid, i: post(f"/persons/{pid}/qualification",
                                      {"reason": "move_out", "cause_on": "2026-10-01"} | change), None),
            ("転居 (POST /persons/{id}/moves)", next(slices),
             lambda hid, pid, i: post(f"/persons/{pid}/moves", {
                 "postal_code": "802-0002", "address": f"北九州市小倉北区京町{i % 9 + 1}-1",
                 "moved_on": "2026-10-01"} | change), None),
            ("氏名変更 (POST /persons/{id}/name)", next(slices),
             lambda hid, pid, i: post(f"/persons/{pid}/name", {
                 "name_kanji": "門司 花子", "name_kana": "モジ ハナコ", "changed_on": "2026-10-01"} | change), None),
            ("世帯変更 (POST /persons/{id}/household)", members,
             lambda hid, pid, i: post(f"/persons/{pid}/household", {
                 "household_id": f"HX{i:06d}", "relationship": "世帯主", "changed_on": "2026-10-01"} | change), None),
            ("連絡先変更 (POST /persons/{id}/contact)", next(slices),
             lambda hid, pid, i: post(f"/persons/{pid}/contact", {
                 "phone": "093-582-2111", "changed_on": "2026-10-01"} | change), None),
            ("資格確認書 交付 (POST /persons/{id}/cards)", carded,
             lambda hid, pid, i: post(f"/persons/{pid}/cards", {"issued_on": "2026-10-01"} | change), keep_card),
            ("資格確認書 回収 (POST …/cards/{card}/recovery)", carded,
             lambda hid, pid, i: post(f"/persons/{pid}/cards/{cards.get(pid, 'X')}/recovery", {
                 "recovered_on": "2026-10-02", "reason": "returned", "version": 3}), None),
            ("My Number store (POST /persons/{id}/my-number)", stored,
             lambda hid, pid, i: post(f"/persons/{pid}/my-number", {"my_number": number(i)}, ALL), None),
            ("My Number reveal (POST …/my-number/reveal)", stored,
             lambda hid, pid, i: post(f"/persons/{pid}/my-number/reveal", {"purpose": PURPOSE}, ALL), None),
            ("My Number lookup (POST /my-number/lookup)", stored,
             lambda hid, pid, i: post("/my-number/lookup", {"my_number": number(i)}, ALL), None),
            ("My Number review list (GET /my-number/review)", stored,
             lambda hid, pid, i: get("/my-number/review", ALL, limit="20"), None),
            ("窓口試算 (POST /households/{id}/simulation)", next(slices),
             # FY2025: the FY2026 rate file is not complete yet (a 422 would not be the route's work)
             lambda hid, pid, i: post(f"/households/{hid}/simulation", {
                 "fiscal_year": 2025, "incomes": {pid: {"total": 2_000_000, "salary": 2_000_000}}}, ALL), None),
            ("permission review (GET /permissions/review)", stored,
             lambda hid, pid, i: get("/permissions/review", ALL, limit="50"), None),
            ("approval queue (GET /linkage/approvals)", stored,
             lambda hid, pid, i: get("/linkage/approvals", ALL), None),
            ("approval decision, unknown request (POST /linkage/approvals/{id})", stored,
             lambda hid, pid, i: post(f"/linkage/approvals/R{i:06d}", {"decision": "approve"}, ALL), None),
            ("OpenAPI document (GET /openapi.json)", stored, lambda hid, pid, i: get("/openapi.json"), None),
        ]
        calls: dict[str, list[float]] = {}  # AWS operation → [calls, CPU ms] of the route being timed
        if args.by_call:
            _count_aws_calls(calls)
        split: dict[str, dict[str, list[float]]] = {}
        results: dict[str, list[float]] = {}
        cpu_times: dict[str, list[float]] = {}
        statuses: dict[str, dict[int, int]] = {}
        records_before = _access_records()
        for name, targets, build, hook in routes:
            if args.only and not any(part in name for part in args.only):
                continue
            # warm-up: imports, first client, first query plan — not what a steady container pays
            handler(build(*warm, 99_999), api_context())
            times: list[float] = []
            cpu: list[float] = []
            codes: dict[int, int] = {}
            calls.clear()
            prof = cProfile.Profile() if args.profile_dir else None
            for i, (hid, pid) in enumerate(targets):
                event = build(hid, pid, i)
                c, t = time.thread_time(), time.perf_counter()
                if prof is not None:
                    prof.enable()
                resp = handler(event, api_context())
                if prof is not None:
                    prof.disable()
                times.append((time.perf_counter() - t) * 1000)
                cpu.append((time.thread_time() - c) * 1000)
                codes[resp["statusCode"]] = codes.get(resp["statusCode"], 0) + 1
                if hook is not None:
                    hook(resp, pid)
            results[name], cpu_times[name], statuses[name] = times, cpu, codes
            split[name] = {op: [c / len(targets), ms / len(targets)] for op, (c, ms) in calls.items()}
            if prof is not None:
                args.profile_dir.mkdir(parents=True, exist_ok=True)
                prof.dump_stats(args.profile_dir / f"{len(results):02d}.prof")
                (args.profile_dir / f"{len(results):02d}.txt").write_text(name + "\n")
        records = _access_records() - records_before
        picks = pool[:n]

        print(f"\nqualification API handler, in-process on the embedded AWS (moto), {len(persons):,} persons, "
              f"{len(picks)} calls a route (ms)")
        # Wall time is what a caller waits; CPU time (this thread's) is the part a loaded machine does not
        # inflate by making the process wait for a core — both are printed, with the load average.
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        print(f"{'route':70} {'p50':>7} {'p95':>7} {'max':>7}  {'cpu p50':>7} {'cpu p95':>7}  "
              f"{'wall':>4} {'cpu':>4}  statuses")
        passed = {"wall": 0, "cpu": 0}
        for name, times in results.items():
            cpu = cpu_times[name]
            verdict = {"wall": _percentile(times, 0.95) <= GOAL_P95_MS, "cpu": _percentile(cpu, 0.95) <= GOAL_P95_MS}
            for kind, ok in verdict.items():
                passed[kind] += ok
            print(f"{name:70} {statistics.median(times):7.2f} {_percentile(times, 0.95):7.2f} "
                  f"{max(times):7.2f}  {statistics.median(cpu):7.2f} {_percentile(cpu, 0.95):7.2f}  "
                  f"{'PASS' if verdict['wall'] else 'FAIL':>4} {'PASS' if verdict['cpu'] else 'FAIL':>4}  "
                  f"{statuses[name]}")
        # The goal is the wall p95 of a quiet machine; on a shared one the CPU p95 is the nearer figure
        # (wall = CPU + waiting for a core), so both verdicts are printed, with the load average.
        print(f"goal p95 ≤ {GOAL_P95_MS:g} ms: wall {'PASS' if passed['wall'] == len(results) else 'FAIL'} "
              f"({passed['wall']}/{len(results)} routes), CPU {'PASS' if passed['cpu'] == len(results) else 'FAIL'} "
              f"({passed['cpu']}/{len(results)} routes) at load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"access records written during the timed calls (and warm-ups): {records:,}")
        if args.by_call:
            print("\nAWS calls a request (CPU ms a request, botocore + the embedded AWS):")
            for name, ops in split.items():
                total = sum(ms for _, ms in ops.values())
                print(f"  {name}: {sum(c for c, _ in ops.values()):.1f} calls, {total:.2f} ms of "
                      f"{statistics.mean(cpu_times[name]):.2f} — " + ", ".join(
                          f"{op} {c:.1f}× {ms:.2f}" for op, (c, ms) in sorted(ops.items(), key=lambda kv: -kv[1][1])))

        if args.profile:
            _profile("read person", handler,
                     [get(f"/persons/{pid}") for _, pid in picks])
            _profile("search by 住民コード", handler, [get("/persons", resident_code=resident_code(pid))
                                                   for _, pid in picks])
    return 0


def _count_aws_calls(calls: dict[str, list[float]]) -> None:
    """Wrap botocore's one entry point so each AWS request adds its CPU time to `calls[operation]`."""
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    def timed(self: Any, operation_name: str, api_params: Any) -> Any:
        c = time.thread_time()
        try:
            return original(self, operation_name, api_params)
        finally:
            entry = calls.setdefault(operation_name, [0.0, 0.0])
            entry[0] += 1
            entry[1] += (time.thread_time() - c) * 1000

    BaseClient._make_api_call = timed  # type: ignore[method-assign]


def _profile(label: str, handler: Any, events: list[dict[str, Any]]) -> None:
    """Where a read's time goes: inside moto's backend (the embedded store), inside botocore (request
    building and response parsing — paid on AWS too) or in our code and the libraries it calls."""
    from kokuho_local.local_api import api_context

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
