"""Benchmark: the city-file intakes on the embedded AWS, and the June tax intake on AWS (scale model).

    .venv/bin/python benchmarks/city_intake.py [--changes 10000] [--tax-persons 300000] [--insured 300000]
    .venv/bin/python benchmarks/city_intake.py --demo-city 3000   # the demo's city, file by file

1. A resident-register file of `--changes` 異動 (転入 of whole households: each line registers a person, its
   household membership and a pending acquisition, through the qualification application code) is
   applied in-process on the embedded AWS (moto), then a second file of the same number of mixed
   異動 (転居, 氏名変更, 世帯主変更, 転出) on those persons.
2. A June tax file (当初課税) of `--tax-persons` persons (the persons of step 1, cycled if fewer: the
   file has one line a person, so at most as many persons as registered) is applied: incomes stored
   and every household's case re-projected in the same transaction.
For each: wall and CPU time, lines a second, and DynamoDB items written and read per line, counted in
moto's backend (a transaction's items each count; condition checks count as reads); with --demo-city
also the read requests as CloudTrail logs them (the events the trail's bulk-read detection counts).

With `--demo-city N`: the files of the demo's synthetic city of N households (kokuho_local.synthetic.
city_files: 転入 of everyone, 生活保護, 転出, the June tax file, the care file) applied in order in-process,
then every My Number stored through the vault's batch action — wall and CPU seconds of each.

Then a scale model of the June intake for a city of `--insured` insured persons on AWS (ap-northeast-1):
one sequential intake (the state machine takes one file at a time and re-invokes the function every
15 minutes: `partial`): the intake's own CPU per line measured here (moto's share taken out), its read
requests and transactions per line each at an assumed DynamoDB latency, the measured items per line,
list prices (PRICE: on-demand DynamoDB at the November 2024 halved price).
moto is far slower than DynamoDB: the local figures bound local runs, not production.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

# Tokyo (ap-northeast-1) list prices. DynamoDB on-demand: the pre-November-2024 list ($1.4269 a million write
# request units, $0.285 a million read units) halved on 1 November 2024 (AWS cut on-demand throughput prices
# by 50 %); Lambda x86 $0.0000166667 a GB-second and $0.20 a million requests; Step Functions Standard
# $0.025 a thousand state transitions.
PRICE = {"ddb_wru": 1.4269 / 2 / 1e6, "ddb_rru": 0.285 / 2 / 1e6, "lambda_gb_s": 0.0000166667,
         "lambda_req": 0.20 / 1e6, "sfn_transition": 0.025 / 1000}
# Assumed DynamoDB latencies from a Lambda in the same region (single-digit ms for a read as AWS documents;
# a transaction of up to 100 items, two-phase, taken as 25 ms).
LATENCY_MS = {"read_request": 5.0, "transaction": 25.0}
LAMBDA_GB = 1.0
LAMBDA_VCPU = LAMBDA_GB * 1024 / 1769  # at 1,769 MB a function has one vCPU; CPU scales with memory
LAMBDA_TIMEOUT_S = 900


@contextmanager
def counting() -> Iterator[Counter[str]]:
    """Items written and read in moto's DynamoDB backend while the block runs."""
    from moto.dynamodb.models import DynamoDBBackend

    counts: Counter[str] = Counter()
    originals: dict[str, Callable[..., Any]] = {}
    depth = [0]  # inside a transaction, moto's own put/get calls are its items, not more requests

    def wrap(name: str, kind: str, per: Callable[..., int], nested: bool = False) -> None:
        original = getattr(DynamoDBBackend, name)
        originals[name] = original

        def counted(self: Any, *args: Any, **kw: Any) -> Any:
            if depth[0] == 0:
                counts[kind] += per(*args, **kw)
            depth[0] += nested
            try:
                return original(self, *args, **kw)
            finally:
                depth[0] -= nested

        setattr(DynamoDBBackend, name, counted)

    def tx_writes(items: list[dict[str, Any]], *a: Any, **k: Any) -> int:
        counts["read_items"] += sum(1 for i in items if "ConditionCheck" in i)
        counts["transactions"] += 1
        return sum(1 for i in items if "ConditionCheck" not in i)

    for name in ("put_item", "update_item", "delete_item"):
        wrap(name, "write_items", lambda *a, **k: 1)
    wrap("transact_write_items", "write_items", tx_writes, nested=True)
    wrap("get_item", "read_items", lambda *a, **k: 1)
    wrap("query", "read_requests", lambda *a, **k: 1)
    # read requests as CloudTrail logs them (one event each, a BatchGetItem of 100 keys included): what the
    # trail's bulk-read detection counts per principal
    from moto.dynamodb.responses import DynamoHandler

    handlers: dict[str, Callable[..., Any]] = {}
    for name in ("get_item", "batch_get_item", "query", "scan", "transact_get_items"):
        handlers[name] = original = getattr(DynamoHandler, name)

        def event(self: Any, _original: Callable[..., Any] = original) -> Any:
            counts["read_events"] += 1
            return _original(self)

        setattr(DynamoHandler, name, event)
    # CPU spent inside the embedded AWS (moto's whole handling of each request): the rest is the intake's
    # own (parsing, validation, the rules, the projection, the SDK) — what a Lambda would spend
    from moto.core.botocore_stubber import BotocoreStubber

    stub = BotocoreStubber.__call__
    moto_cpu = [0.0]

    def timed(self: Any, *a: Any, **k: Any) -> Any:
        c = time.process_time()
        try:
            return stub(self, *a, **k)
        finally:
            moto_cpu[0] += time.process_time() - c

    BotocoreStubber.__call__ = timed  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        counts["moto_cpu_us"] = int(moto_cpu[0] * 1e6)
        BotocoreStubber.__call__ = stub  # type: ignore[method-assign]
        for name, original in originals.items():
            setattr(DynamoDBBackend, name, original)
        for name, original in handlers.items():
            setattr(DynamoHandler, name, original)


def _file(records: list[dict[str, Any]]) -> bytes:
    from kokuho.intake.framing import build_file

    return build_file(records)


def arrivals(n: int) -> list[dict[str, Any]]:
    """n 転入 lines: households of 1–4 persons, householder first (ids deterministic)."""
    out: list[dict[str, Any]] = []
    household = 0
    while len(out) < n:
        household += 1
        size = 1 + household % 4
        for k in range(min(size, n - len(out))):
            out.append({"atena_no": f"{30000000 + len(out):08d}", "event": "転入", "event_date": "2024-04-01",
                        "household_no": f"S{household:07d}", "relationship": "世帯主" if k == 0 else "子",
                        "name_kanji": "小倉 太郎", "name_kana": "コクラ タロウ",
                        "birth_date": f"{1960 + (len(out) % 40)}-0{1 + len(out) % 9}-1{len(out) % 9}",
                        "sex": "1", "postal_code": "802-0001", "address": "北九州市小倉北区浅野1-1",
                        "other_insurance": False})
    return out


def changes(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One mixed 異動 for each person of `lines` (one change a person a file)."""
    out = []
    for i, a in enumerate(lines):
        kind = i % 4
        base = {"atena_no": a["atena_no"], "event_date": "2024-10-01"}
        if kind == 0:
            out.append({**base, "event": "転居", "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1"})
        elif kind == 1:
            out.append({**base, "event": "氏名変更", "name_kanji": "門司 太郎", "name_kana": "モジ タロウ"})
        elif kind == 2 and a["relationship"] != "世帯主":
            out.append({**base, "event": "世帯主変更"})
        elif a["relationship"] != "世帯主":
            out.append({**base, "event": "転出"})
        else:
            out.append({**base, "event": "転居", "postal_code": "803-8502", "address": "北九州市小倉北区城内2-2"})
    # 世帯主変更 of two members of one household in the same file would both claim the household:
    seen: set[str] = set()
    for line, a in zip(out, lines, strict=True):
        if line["event"] == "世帯主変更":
            if a["household_no"] in seen:
                line.update(event="転居", postal_code="803-8503", address="北九州市小倉北区城内3-3")
                line.pop("name_kanji", None)
            seen.add(a["household_no"])
    return out


def incomes(lines: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(min(n, len(lines))):
        total = (i * 37_000) % 6_000_000
        out.append({"atena_no": lines[i]["atena_no"], "income_year": 2023, "assessment": "initial",
                    "income": {"total": total, "salary": total, "pension": 0, "declared": True},
                    "salary_or_pension_earner": total > 0})
    return out


def _measure(kind: str, data: bytes, lines: int) -> dict[str, Any]:
    from kokuho.intake.apply import actor_for, intake_file

    with counting() as counts:
        t, c = time.perf_counter(), time.process_time()
        out = intake_file(kind, data, actor=actor_for(kind, "bench"), source_key=f"bench/{kind}",
                          today=date(2024, 11, 20))
        wall, cpu = time.perf_counter() - t, time.process_time() - c
    assert out["status"] == "applied", {k: v for k, v in out.items() if k != "errors"} | {
        "errors": out.get("errors", [])[:3]}
    return {"lines": lines, "wall_s": round(wall, 2), "lines_per_s": round(lines / wall, 1),
            "cpu_s": round(cpu, 2), "cpu_ms_per_line": round(cpu * 1000 / lines, 2),
            "intake_cpu_ms_per_line": round((cpu - counts["moto_cpu_us"] / 1e6) * 1000 / lines, 2),
            "read_requests_per_line": round(counts["read_events"] / lines, 3),
            "items_written_per_line": round(counts["write_items"] / lines, 2),
            "items_read_per_line": round(counts["read_items"] / lines, 2),
            "queries_per_line": round(counts["read_requests"] / lines, 2),
            "transactions_per_line": round(counts["transactions"] / lines, 2),
            "households": out.get("households")}


def peak_rss_mb() -> float:
    """The process's peak resident set so far (the whole embedded AWS lives in it)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _progress(step: str, figures: dict[str, Any]) -> None:
    """One line on stderr as each file ends: a long run cut short still leaves its figures."""
    import sys

    print(json.dumps({"step": step, "at": time.strftime("%H:%M:%S", time.gmtime()),
                      "load_average": [round(x, 1) for x in os.getloadavg()], "peak_rss_mb": peak_rss_mb(),
                      **figures}, ensure_ascii=False), file=sys.stderr, flush=True)


def run(n_changes: int, n_tax: int, *, register_file_lines: int = 0, with_changes: bool = True) -> dict[str, Any]:
    """The register files, then the June tax file. `register_file_lines`: the 転入 of all persons arrive in
    files of at most that many lines (as daily files do), each measured; the figures are their sums — a
    file's working set (its lines, plans and persons) is then that of one file, not of the whole city."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from kokuho_local.embedded import embedded_aws

    arrived = arrivals(n_changes)
    size = register_file_lines or len(arrived)
    out: dict[str, Any] = {"persons": len(arrived), "load_average_start": [round(x, 1) for x in os.getloadavg()]}
    t0, c0 = time.perf_counter(), time.process_time()
    with embedded_aws():
        parts = []
        for first in range(0, len(arrived), size):
            part = arrived[first:first + size]
            parts.append(_measure("residents", _file(part), len(part)))
            _progress("residents_arrivals", {"registered": first + len(part), **parts[-1]})
        out["residents_arrivals"] = parts[0] if len(parts) == 1 else _sum_files(parts)
        if with_changes:
            out["residents_changes"] = _measure("residents", _file(changes(arrived)), len(arrived))
            _progress("residents_changes", out["residents_changes"])
        tax_lines = incomes(arrived, n_tax)
        del arrived, parts  # the persons live in the embedded AWS now; the file's lines are enough
        out["tax_june"] = _measure("tax", _file(tax_lines), len(tax_lines))
        _progress("tax_june", out["tax_june"])
    out.update(wall_s=round(time.perf_counter() - t0, 1), cpu_s=round(time.process_time() - c0, 1), nice=os.nice(0),
               peak_rss_mb=peak_rss_mb(), load_average_end=[round(x, 1) for x in os.getloadavg()])
    return out


def _sum_files(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of several files of one kind as one: times summed, rates per line over all lines."""
    lines = sum(p["lines"] for p in parts)
    wall, cpu = sum(p["wall_s"] for p in parts), sum(p["cpu_s"] for p in parts)
    out: dict[str, Any] = {"files": len(parts), "lines": lines, "wall_s": round(wall, 2),
                           "lines_per_s": round(lines / wall, 1), "cpu_s": round(cpu, 2),
                           "cpu_ms_per_line": round(cpu * 1000 / lines, 2)}
    for key in ("intake_cpu_ms_per_line", "read_requests_per_line", "items_written_per_line", "items_read_per_line",
                "queries_per_line", "transactions_per_line"):
        out[key] = round(sum(p[key] * p["lines"] for p in parts) / lines, 3)
    return out | {"households": None}


def scale_model(tax: dict[str, Any], insured: int) -> dict[str, Any]:
    """The June tax intake for `insured` persons on AWS, from what the measured run did per line: the
    intake's own CPU (measured: total minus the embedded AWS's share), its read requests and transactions
    (each waiting one latency, one after the other: the state machine takes one file at a time), and the
    items it wrote (2 write units an item: every write is transactional) and read."""
    per_line_s = (tax["intake_cpu_ms_per_line"] / LAMBDA_VCPU
                  + tax["read_requests_per_line"] * LATENCY_MS["read_request"]
                  + tax["transactions_per_line"] * LATENCY_MS["transaction"]) / 1000
    seconds = insured * per_line_s
    invocations = max(1, -(-int(seconds) // (LAMBDA_TIMEOUT_S - 90)))  # each stops with 90 s left: `partial`
    wru = insured * tax["items_written_per_line"] * 2
    rru = insured * (tax["items_read_per_line"] + tax["queries_per_line"])  # strongly consistent, ≤ 4 KB: 1 unit
    cost = {"dynamodb_writes": wru * PRICE["ddb_wru"], "dynamodb_reads": rru * PRICE["ddb_rru"],
            "lambda": seconds * LAMBDA_GB * PRICE["lambda_gb_s"] + invocations * PRICE["lambda_req"],
            "step_functions": invocations * 4 * PRICE["sfn_transition"]}
    return {"insured": insured, "per_line_ms": round(per_line_s * 1000, 2), "wall_min": round(seconds / 60, 1),
            "lambda_invocations": invocations, "write_units": int(wru), "read_units": int(rru),
            "cost_usd": {k: round(v, 2) for k, v in cost.items()}, "total_usd": round(sum(cost.values()), 2)}


SECTION_BEGIN = "<!-- section: benchmarks/city_intake.py (the June intake) -->"
SECTION_END = "<!-- end of section: benchmarks/city_intake.py -->"
SOURCES = (
    "DynamoDB on-demand billing units (a transactional write: 2 write request units an item up to 1 KB; a "
    "strongly consistent read: 1 read unit up to 4 KB): "
    "https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/dynamodb.html",
    "on-demand throughput prices cut by 50 % from 1 November 2024 (secondary source, AWS's announcement not "
    "at hand here): https://airbyte.com/data-engineering-resources/dynamodb-pricing",
    "TransactWriteItems, up to 100 actions: "
    "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html",
    "Lambda timeout at most 900 s: https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html",
    "Lambda CPU in proportion to memory, one vCPU at 1,769 MB: "
    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html",
    "Lambda $0.20 a million requests, duration per GB-second: "
    "https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html",
    "Step Functions Standard, Asia Pacific (Tokyo) $0.0250 a thousand state transitions: "
    "https://aws.amazon.com/step-functions/pricing/",
)


def model_section(measured: dict[str, Any], model: dict[str, Any], when: str) -> str:
    """The scale model's section of the June intake (benchmarks/scale_model.md), from this run."""
    tax = measured["tax_june"]
    lines = [
        SECTION_BEGIN,
        f"## June tax intake (当初課税) of {model['insured']:,} insured persons on AWS",
        "",
        f"Written by `benchmarks/city_intake.py --write-model` from a measured run of {tax['lines']:,} persons "
        f"on the embedded AWS ({when}).",
        *_run_note(measured),
        "",
        "### Assumptions",
        "- one file, one intake at a time: the `city-intake` state machine's Map has MaxConcurrency 1 and the "
        "function answers `partial` with 90 s left of its 900 s, then is invoked again on the same file "
        "(lines already applied are skipped by their markers)",
        f"- a line costs the intake's own CPU measured here ({tax['intake_cpu_ms_per_line']} ms: the run's CPU "
        f"less moto's handling of the requests) on the {LAMBDA_VCPU:.2f} vCPU of a {LAMBDA_GB:g} GB Lambda (taken "
        "as this machine's core), plus its read requests "
        f"({tax['read_requests_per_line']} a line, {LATENCY_MS['read_request']:g} ms each) and transactions "
        f"({tax['transactions_per_line']} a line: several households of up to 96 items, "
        f"{LATENCY_MS['transaction']:g} ms each), one after the other",
        f"- writes: {tax['items_written_per_line']} items a person (the income, the household's case for the "
        "year, the marker, the access record and its index entries), all transactional: 2 write units an "
        f"item; reads: {tax['items_read_per_line'] + tax['queries_per_line']:.2f} items a person, strongly "
        "consistent, 1 unit each",
        f"- Lambda {LAMBDA_GB:g} GB; prices (Tokyo, on-demand list): DynamoDB ${PRICE['ddb_wru'] * 1e6:.4f} a "
        f"million write units and ${PRICE['ddb_rru'] * 1e6:.4f} a million read units (the pre-November-2024 "
        "$1.4269 / $0.285 halved), Lambda $0.0000166667 a GB-s and $0.20 a million requests, Step Functions "
        "$0.025 a thousand transitions",
        "- sources: " + "; ".join(SOURCES),
        "",
        "### Result",
        f"- {model['per_line_ms']} ms a person → **≈ {model['wall_min']} min** for the file, in "
        f"{model['lambda_invocations']} invocation(s)",
        f"- {model['write_units'] / 1e6:.2f} M write units, {model['read_units'] / 1e6:.2f} M read units: "
        f"**≈ ${model['total_usd']:.2f}** (" + ", ".join(f"{k} ${v:.2f}" for k, v in model["cost_usd"].items()) + ")",
        "- the bound is latency, one request after another, not throughput (≈ "
        f"{model['write_units'] / max(1.0, model['wall_min'] * 60):,.0f} write units a second, far below a "
        "table's on-demand maximum): sharding the file by household, each shard its own intake, divides "
        "the time by the shards",
        "",
        "### Measured on this machine (embedded AWS, moto, 2 shared cores)",
        "```",
        json.dumps(measured, ensure_ascii=False, indent=1),
        "```",
        SECTION_END,
    ]
    return "\n".join(lines) + "\n"


def _run_note(measured: dict[str, Any]) -> list[str]:
    """What the measured run did besides the tax file (the persons registered first), its whole time and
    memory: empty for runs that did not record them."""
    arrivals = measured.get("residents_arrivals", {})
    if "peak_rss_mb" not in measured or "nice" not in measured:
        return []
    files = arrivals.get("files", 1)
    return ["", f"The {arrivals['lines']:,} persons were registered first through the resident-register intake "
            f"({files} file{'s' if files > 1 else ''} of 転入, {arrivals['cpu_s']:,.0f} CPU-s, "
            f"{arrivals['items_written_per_line']} items written a line); the whole run took {measured['cpu_s']:,.0f} "
            f"CPU-s and {measured['wall_s']:,.0f} s wall (load average {measured['load_average_start'][0]} at the "
            f"start, {measured['load_average_end'][0]} at the end, 2 shared cores, run at nice {measured['nice']}), "
            f"peak RSS {measured['peak_rss_mb']:,.0f} MB (the whole embedded AWS is in the process)."]


def write_section(path: Any, section: str) -> None:
    """Replace this benchmark's section of the scale model (or append it); the rest stays as it is."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if SECTION_BEGIN in text and SECTION_END in text:
        head, _, rest = text.partition(SECTION_BEGIN)
        _, _, tail = rest.partition(SECTION_END)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


@contextmanager
def counting_kms() -> Iterator[Counter[str]]:
    """KMS calls made meanwhile, by operation (every botocore client's: the vault's sealer included)."""
    from botocore.client import BaseClient

    calls: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counted(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "kms":
            calls[operation] += 1
        return original(self, operation, params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def demo_city(households: int) -> dict[str, Any]:
    """The demo city's files applied in order, and its My Numbers stored: wall and CPU time of each."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from kokuho.access.records import Actor
    from kokuho.identity.vault import store_many
    from kokuho.intake.apply import actor_for, intake_file
    from kokuho_local.embedded import embedded_aws
    from kokuho_local.synthetic import generate_city
    from kokuho_local.synthetic.city_files import city_files, my_numbers

    t0, c0 = time.perf_counter(), time.process_time()
    city = generate_city(households, registers=True)
    out: dict[str, Any] = {"households": households, "persons": city.persons, "files": {},
                           "load_average_start": [round(x, 1) for x in os.getloadavg()], "nice": os.nice(0)}
    _progress("city_generated", {"persons": city.persons, "cpu_s": round(time.process_time() - c0, 1)})
    with embedded_aws(), counting() as counts:
        for key, records in city_files(city).files:
            kind = key.split("/", 1)[0]
            before, events = counts["write_items"], counts["read_events"]
            t, c = time.perf_counter(), time.process_time()
            res = intake_file(kind, _file(records), actor=actor_for(kind, "bench"), source_key=key,
                              today=date.today())
            assert res["status"] == "applied", key
            out["files"][key] = {"lines": len(records), "wall_s": round(time.perf_counter() - t, 2),
                                 "cpu_s": round(time.process_time() - c, 2),
                                 "items_written_per_line": round((counts["write_items"] - before) / len(records), 2),
                                 "read_events": counts["read_events"] - events}
            _progress(key, out["files"][key])
        t, c = time.perf_counter(), time.process_time()
        events = counts["read_events"]
        actor = Actor("system:register-intake", "bench", "個人番号の取得")
        with counting_kms() as kms_calls:
            stored = store_many({"actor": {"staff_id": actor.staff_id, "terminal_id": actor.terminal_id,
                                           "purpose": actor.purpose}, "items": [list(x) for x in my_numbers(city)]})
        numbers = sum(stored.get("my_numbers", {}).values()) or city.persons
        out["my_numbers"] = {**stored, "wall_s": round(time.perf_counter() - t, 2),
                             "cpu_s": round(time.process_time() - c, 2),
                             "read_events": counts["read_events"] - events,
                             "kms_calls": dict(kms_calls),
                             "kms_calls_per_number": round(sum(kms_calls.values()) / numbers, 5)}
        _progress("my_numbers", out["my_numbers"])
    out["files_wall_s"] = round(sum(f["wall_s"] for f in out["files"].values()), 2)
    out["files_cpu_s"] = round(sum(f["cpu_s"] for f in out["files"].values()), 2)
    out["intake_cpu_s"] = round(out["files_cpu_s"] + out["my_numbers"]["cpu_s"], 2)
    out["intake_cpu_ms_per_person"] = round(out["intake_cpu_s"] * 1000 / city.persons, 2)
    out.update(wall_s=round(time.perf_counter() - t0, 1), cpu_s=round(time.process_time() - c0, 1),
               peak_rss_mb=peak_rss_mb(), load_average_end=[round(x, 1) for x in os.getloadavg()])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=10_000, help="異動 lines of each register file")
    parser.add_argument("--tax-persons", type=int, default=300_000, help="persons of the June tax file (≤ --changes)")
    parser.add_argument("--insured", type=int, default=300_000, help="insured persons of the scale model")
    parser.add_argument("--register-file-lines", type=int, default=0,
                        help="register the persons through files of at most this many 転入 lines (0: one file)")
    parser.add_argument("--no-changes", action="store_true",
                        help="skip the second register file (mixed 異動): only what the June tax file needs")
    parser.add_argument("--demo-city", type=int, default=0, help="only the demo's city of this many households")
    parser.add_argument("--write-model", action="store_true",
                        help="write the June intake's section of benchmarks/scale_model.md")
    args = parser.parse_args()
    if args.demo_city:
        print(json.dumps({"demo_city_on_embedded_aws": demo_city(args.demo_city)}, ensure_ascii=False, indent=1))
        return
    measured = run(args.changes, args.tax_persons, register_file_lines=args.register_file_lines,
                   with_changes=not args.no_changes)
    model = scale_model(measured["tax_june"], args.insured)
    if args.write_model:
        from pathlib import Path

        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()) + f", load average {os.getloadavg()[0]:.1f}"
        write_section(Path(__file__).with_name("scale_model.md"), model_section(measured, model, when))
    print(json.dumps({"measured_on_embedded_aws": measured, "june_tax_intake_on_aws": model,
                      "assumptions": {"latency_ms": LATENCY_MS, "lambda_gb": LAMBDA_GB,
                                      "prices": PRICE}},
                     ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
