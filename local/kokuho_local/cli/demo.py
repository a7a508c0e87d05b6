"""`kokuho demo --households N`: a whole assessment cycle for a synthetic city on the embedded AWS.

1. generate a deterministic city (kokuho_local.synthetic) and load it through the intake path: a
   賦課用世帯情報 file in the exchange bucket → the intake Lambda validates the whole file and writes the
   household cases; My Numbers go only to the vault (encrypted);
2. run the monthly-assessment state machine for the annual run (本算定, June);
3. register a month of changes (another intake file) and run that month's monthly run (default
   December, when six installments are already due): 更正 versions with their diffs and refunds;
4. 情報連携 (information linkage) on the same AWS and city, through the sandbox network
   (kokuho_local.sandbox): 符号 and 副本 registration for the persons involved; one provision
   answered automatically (decrypted by the requester only), one refused, one 自動応答不可 provision
   held until a member of staff approves it (task token); one query answered by another insurer,
   decrypted with the city's key and stored. No My Number in any payload (checked);
5. the private API (資格管理API) over loopback HTTP (kokuho_local.local_api: 127.0.0.1, a random
   port, only while the demo runs; the api function invoked through moto's Lambda): a clerk registers
   one household of the city and its 取得; a member of counter staff searches by kana, reads the person
   and the household with its history, and runs a 窓口試算. Every call leaves an access record (counted);
6. print a readable summary and write it as JSON (--out).
Progress goes to stderr; the summary to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import random
import secrets
import sys
import threading
import time
from pathlib import Path
from typing import Any

INTAKE_FILE_HOUSEHOLDS = 500


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--households", type=int, default=3000, help="households in the city (default 3000)")
    parser.add_argument("--fiscal-year", type=int, default=2024, help="fiscal year to assess (default 2024)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the synthetic city (default 2024)")
    parser.add_argument("--batch-size", type=int, default=100, help="households per Map item (default 100)")
    parser.add_argument("--change-month", default=None,
                        help="month of the second run, with a month of changes (default: December of the year)")
    parser.add_argument("--out", default="out/demo-summary.json", help="summary JSON file")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _progress(quiet: bool) -> Any:
    def say(msg: str) -> None:
        if not quiet:
            print(f"[demo] {msg}", file=sys.stderr, flush=True)
    return say


def _intake_file(rows: list[tuple[str, dict[str, Any], list[tuple[str, str]]]]) -> bytes:
    from kokuho.assessment.intake import build_file

    return build_file(rows)  # with its trailer (record count, SHA-256): docs/intake_files.md


def _load(aws: Any, key: str, body: bytes) -> dict[str, Any]:
    s3 = aws.client("s3")
    bucket = aws.bucket_name("exchange")
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    try:
        out = aws.invoke("assessment-case-intake", {"bucket": bucket, "key": key})
    finally:
        s3.delete_object(Bucket=bucket, Key=key)  # the file held My Numbers: gone once applied
    if not out.get("accepted"):
        raise SystemExit(f"intake rejected {key}: {out.get('errors')}")
    return dict(out)


def _run(aws: Any, payload: dict[str, Any], name: str, say: Any) -> dict[str, Any]:
    from kokuho.records.assessments import batch_outcomes

    arn = aws.start_state_machine("monthly-assessment", payload, name=name)
    done = threading.Event()
    result: dict[str, Any] = {}

    def wait() -> None:
        try:
            result["out"] = aws.wait_execution(arn, timeout_s=3600)
        except Exception as exc:  # reported below, in the main thread
            result["error"] = exc
        finally:
            done.set()

    threading.Thread(target=wait, daemon=True).start()
    last = -1
    while not done.wait(1.0):
        n = sum(1 for _ in batch_outcomes(name))
        if n != last:
            say(f"  {name}: {n} batches done")
            last = n
    if "error" in result:
        raise result["error"]
    return dict(result["out"])


def run(args: argparse.Namespace) -> int:
    if args.households < 1:
        print("--households: must be at least 1", file=sys.stderr)
        return 2
    # Handlers log at WARNING during the demo (its own progress lines say what happens); restored after,
    # so an in-process caller (the tests) keeps its own level.
    previous_level = os.environ.get("POWERTOOLS_LOG_LEVEL")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    try:
        return _run_demo(args)
    finally:
        if previous_level is None:
            os.environ.pop("POWERTOOLS_LOG_LEVEL", None)


def _run_demo(args: argparse.Namespace) -> int:
    # moto's interpreter logs a full state dump for every failed state: the demo reports failures itself
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    say = _progress(args.quiet)
    from kokuho_local.synthetic import generate_city

    fy = args.fiscal_year
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    city = generate_city(args.households, seed=args.seed, fiscal_year=fy)
    say(f"city generated: {len(city.households)} households, {city.persons} persons (seed {args.seed})")
    emf = io.StringIO()  # handlers' EMF metric lines and logs stay off the summary on stdout
    from kokuho_local.embedded import ExecutionFailed, UntestedMoto

    try:
        return _cycle(args, city, say, emf, t_start, timings)
    except UntestedMoto as exc:
        print(f"cannot start the embedded AWS: {exc}", file=sys.stderr)
        return 2
    except ExecutionFailed as exc:
        try:
            reason = json.loads(exc.cause or "{}").get("errorMessage", exc.cause)
        except ValueError:
            reason = exc.cause
        print(f"run failed: {exc.error}: {reason}", file=sys.stderr)
        return 1
    except LinkageLeak as exc:  # the message names the payload, never the number
        print(f"run failed: {exc}", file=sys.stderr)
        return 1


def _cycle(args: argparse.Namespace, city: Any, say: Any, emf: io.StringIO, t_start: float,
           timings: dict[str, float]) -> int:
    from kokuho_local.embedded import embedded_aws
    from kokuho_local.synthetic import month_changes
    from kokuho_local.synthetic.city import my_number

    fy = args.fiscal_year
    # the handlers' level too: they see only their function's environment (set on every function here)
    quiet = {"POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING")}
    with contextlib.redirect_stdout(emf), embedded_aws(function_environment=quiet) as aws:
        t = time.perf_counter()
        say("embedded AWS provisioned; loading the city through the intake Lambda "
            f"({INTAKE_FILE_HOUSEHOLDS} households a file; My Numbers through the vault)")
        loaded: dict[str, Any] = {"households": 0, "my_numbers": {}}
        for first in range(0, len(city.households), INTAKE_FILE_HOUSEHOLDS):
            part = city.households[first:first + INTAKE_FILE_HOUSEHOLDS]
            out = _load(aws, f"incoming/cases-{fy}-{first // INTAKE_FILE_HOUSEHOLDS:04d}.jsonl", _intake_file(
                [(h.household_id, h.case, [(p.person_id, p.my_number) for p in h.persons]) for h in part]))
            loaded["households"] += out["households"]
            for k, v in out["my_numbers"].items():
                loaded["my_numbers"][k] = loaded["my_numbers"].get(k, 0) + v
            say(f"  intake: {loaded['households']}/{len(city.households)} households applied")
        timings["intake_s"] = time.perf_counter() - t
        say(f"intake applied: {loaded['households']} households, My Numbers {loaded['my_numbers']}")

        _care_application(fy)
        t = time.perf_counter()
        say("annual run (本算定, June)")
        annual = _run(aws, {"mode": "annual", "fiscal_year": fy, "as_of_month": f"{fy}-06",
                            "batch_size": args.batch_size}, f"demo-{fy}-06-annual", say)
        timings["annual_run_s"] = time.perf_counter() - t

        month = args.change_month or f"{fy}-12"
        changes = month_changes(city, month)
        persons_by_hh = {h.household_id: {p.person_id: p.my_number for p in h.persons}
                         for h in city.households}
        rng = random.Random(f"{args.seed}:births:{month}")
        rows = []
        for hid, case in changes.items():
            known = persons_by_hh[hid]
            persons = [(m["id"], known.get(m["id"]) or my_number(rng)) for m in case["household"]["members"]]
            rows.append((hid, case, persons))
        t = time.perf_counter()
        changed = _load(aws, f"incoming/cases-{month}.jsonl", _intake_file(rows)) if rows else {"households": 0}
        say(f"{month}: {changed['households']} households changed; monthly run (更正)")
        monthly = _run(aws, {"mode": "monthly", "fiscal_year": fy, "as_of_month": month,
                             "batch_size": args.batch_size}, f"demo-{month}-monthly", say)
        timings["monthly_run_s"] = time.perf_counter() - t

        t = time.perf_counter()
        rerun = _run(aws, {"mode": "monthly", "fiscal_year": fy, "as_of_month": month,
                           "batch_size": args.batch_size}, f"demo-{month}-rerun", say)
        timings["rerun_s"] = time.perf_counter() - t

        t = time.perf_counter()
        say("情報連携: provision and query workflows through the sandbox network")
        linkage = _linkage(aws, city, fy, month, say)
        timings["linkage_s"] = time.perf_counter() - t

        t = time.perf_counter()
        say("private API over loopback HTTP: registration, search, reads and a 窓口試算 by members of staff")
        api = _api(aws, city, fy, say)
        timings["api_s"] = time.perf_counter() - t

        t = time.perf_counter()
        say("access history: the hourly anchoring (verify, then sign a digest), then kokuho audit verify")
        access_history = _access_history(aws)
        timings["access_history_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t_start

    summary = {
        "fiscal_year": fy, "seed": args.seed, "households": len(city.households), "persons": city.persons,
        "my_numbers": loaded["my_numbers"],
        "annual": _brief(annual), "monthly": _brief(monthly),
        # the rerun continues the month's run: it selects and writes nothing, and reports the run
        "rerun_same_month": {"households_selected": rerun["last_pass"]["households_selected"],
                             "versions_written": rerun["last_pass"]["versions_written"],
                             "reports_the_run": _brief(rerun) == _brief(monthly)},
        "versions_written": annual["versions_written"] + monthly["versions_written"],
        "transfers": [r for r in (annual.get("transfer"), monthly.get("transfer")) if r],
        "linkage": linkage,
        "api": api,
        "access_history": access_history,
        "metrics_lines_emitted": sum(1 for line in emf.getvalue().splitlines() if '"_aws"' in line),
        "timing_s": {k: round(v, 2) for k, v in timings.items()},
    }
    print(_readable(summary))
    out_file = Path(args.out)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    say(f"summary written to {out_file}")
    failures = [summary[k]["failures"] for k in ("annual", "monthly")]
    return 1 if any(f["households"] or f["batches"] for f in failures) or not access_history["intact"] else 0


def _access_history(aws: Any) -> dict[str, Any]:
    """What the hourly audit-anchor state machine does on AWS, once: verify every access record the run
    wrote, sign the first digest of the chains' heads into the Object-Locked audit bucket; then the
    security team's `kokuho audit verify` against it (issue 9 items 10-11)."""
    from kokuho.access.digest import verify

    signed = aws.run_state_machine("audit-anchor", {}, name="demo-audit-anchor")
    checked = verify()
    return {"digest": signed["digest"], "chains": checked.chains, "records": checked.records,
            "digests": checked.digests, "intact": checked.intact, "breaks": len(checked.breaks)}


def _care_application(fy: int) -> None:
    """介護保険課's data-use application for 保険料賦課情報 (移転先3), approved by a person: the runs'
    transfers are judged against it like every other transfer."""
    from datetime import date

    from kokuho.access.records import Actor
    from kokuho.linkage.transfers import Application, approve_application, submit_application

    submit_application(Application(f"APP-CARE-LEVY-{fy}", "保健福祉局介護保険課", "保険料賦課情報", applicant="K100",
                                   purpose="保険料の特別徴収に関する事務", legal_basis="番号法第9条第2項",
                                   valid_from=date(fy, 4, 1), valid_until=date(fy + 3, 3, 31)))
    approve_application(f"APP-CARE-LEVY-{fy}", Actor("K900", "demo", "データ利用申請の承認"))


def _brief(s: dict[str, Any]) -> dict[str, Any]:
    keys = ("run_id", "mode", "as_of_month", "households_selected", "households_assessed", "versions_written",
            "unchanged", "corrections", "difference_total", "refunds", "totals", "annual_total", "reductions")
    out = {k: s[k] for k in keys}
    out["rates"] = s.get("rates", "確定")  # 仮: assessed on provisional rates, no 決定通知 issued
    out["failures"] = {"households": s["failures"]["households_count"],
                       "batches": s["failures"]["batches_count"],
                       "batches_unaccounted": s["failures"]["batches_unaccounted"]}
    return out


def _readable_linkage(k: dict[str, Any]) -> list[str]:
    p = k["provisions"]
    lines = [f"  情報連携: 符号 registered for {k['persons_registered']} persons; provisions answered "
             f"{p['answered']}, refused {p['refused']}, held for approval {p['held']}; queries stored "
             f"{k['queries_stored']}; 情報提供等記録 written {k['records_written']} {k['records']} "
             f"({k['time_s']} s)"]
    for e in k["exchanges"]:
        who = e.get("requester") or e.get("provider")
        what = e.get("fields_received") or e.get("fields_stored") or [e.get("reason", "")]
        held = f" after approval by {e['approved_by']}" if e.get("held") else ""
        lines.append(f"    {e['kind']} item {e['item']} ({who}): {e['outcome']}{held} — {', '.join(what)}")
    return lines


def _yen(n: int) -> str:
    return f"{n:,} 円"


def _readable(s: dict[str, Any]) -> str:
    a, m = s["annual"], s["monthly"]
    lines = [
        f"kokuho demo — FY{s['fiscal_year']} (seed {s['seed']})",
        f"  households {s['households']:,}   persons {s['persons']:,}   My Numbers {s['my_numbers']}",
        f"  本算定 {a['as_of_month']} (rates {a['rates']}): assessed {a['households_assessed']:,}, versions written "
        f"{a['versions_written']:,}, annual total {_yen(a['annual_total'])}",
        "    by part: " + ", ".join(f"{k} {_yen(v)}" for k, v in a["totals"].items()),
        "    by reduction: " + ", ".join(f"{k} {v:,}" for k, v in a["reductions"].items()),
        f"  更正 {m['as_of_month']}: selected {m['households_selected']:,}, new versions "
        f"{m['versions_written']:,} (unchanged {m['unchanged']:,}), difference {_yen(m['difference_total'])}, "
        f"refunds {m['refunds']['count']:,} totalling {_yen(m['refunds']['total'])}",
        f"  rerun of {m['as_of_month']}: selected {s['rerun_same_month']['households_selected']}, "
        f"versions written {s['rerun_same_month']['versions_written']}",
        f"  failures: annual {a['failures']}, monthly {m['failures']}",
        f"  transfers recorded (移転先3 介護保険課, 保険料賦課情報): {len(s['transfers'])}",
        *_readable_linkage(s["linkage"]),
        *_readable_api(s["api"]),
        f"  access history: {s['access_history']['records']:,} access records in "
        f"{s['access_history']['chains']:,} chains, anchored by signed digest {s['access_history']['digest']}; "
        f"kokuho audit verify: {'intact' if s['access_history']['intact'] else 'BROKEN'}",
        "  time: " + ", ".join(f"{k} {v}" for k, v in s["timing_s"].items()),
    ]
    return "\n".join(lines)


# --- 情報連携 (information linkage): one of each workflow on the same embedded AWS and city ------------

LINKAGE_CLERK = ("S0100", "T-KOKUHO-01", "情報連携の準備: 符号・副本の登録 (番号法第19条第8号)")
LINKAGE_REVIEWER = ("S0200", "T-KOKUHO-07", "審査 花子")
KYOKAI = ("全国健康保険協会福岡支部", "全国健康保険協会")  # asks item 2 (answered automatically)
PREFECTURE = ("福岡県", "都道府県知事")  # asks a 自動応答不可 item (a person approves first)
PREVIOUS_INSURER = "福岡市"  # another NHI insurer: answers the city's query for item 70
AUTO_ITEM, HELD_ITEM, QUERY_ITEM = "2", "158", "70"


class LinkageLeak(RuntimeError):
    """A linkage payload carried a My Number-shaped value (the message never repeats it)."""


# Random hex ids and ciphertexts: a run of twelve digits with a valid check digit turns up in them by
# chance (~1 in 2,000 ids), so the shape scan skips them; the exact scan for the city's numbers does not.
_RANDOM_VALUES = frozenset({"request_id", "permit_id", "signature", "envelope", "requester_public_key"})


def _without_random(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_random(v) for k, v in value.items() if k not in _RANDOM_VALUES}
    if isinstance(value, list | tuple):
        return [_without_random(v) for v in value]
    return value


def _no_my_number(what: str, payload: Any, numbers: set[str]) -> None:
    """Raise if the payload holds one of the city's My Numbers, or anything shaped like one."""
    from kokuho.identity.mynumber import count_my_numbers

    text = json.dumps(payload, ensure_ascii=False, default=str)
    shaped = count_my_numbers(json.dumps(_without_random(payload), ensure_ascii=False, default=str))
    if shaped or any(n in text for n in numbers):
        raise LinkageLeak(f"{what}: a My Number is present")


def _linkage(aws: Any, city: Any, fy: int, month: str, say: Any) -> dict[str, Any]:
    """(a) 符号 and 副本 registration for the persons involved, (b) an automatic provision, (b') a refused
    one, (c) a 自動応答不可 provision held until a member of staff approves it (task token), (d) a query
    answered by another insurer, decrypted with the city's key and stored. Every exchange is checked for
    My Numbers and leaves a 情報提供等記録."""
    from datetime import date

    from kokuho.access.records import Actor
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff
    from kokuho.linkage.codes import register_code
    from kokuho.linkage.crypto import DecryptionFailed
    from kokuho.linkage.exchange_records import records_for_request
    from kokuho.linkage.network import city_body, set_gateway
    from kokuho.linkage.provision import register_copy
    from kokuho.linkage.query import results_of
    from kokuho.records.assessments import versions_of
    from kokuho_local.sandbox import (
        SandboxNetwork,
        SandboxProvider,
        SandboxRequester,
        connect_city,
        wait_pending,
    )
    from kokuho_local.synthetic.linkage import pick_persons, previous_insurer_data, provision_copy, resident_ref

    t0 = time.perf_counter()
    numbers = {p.my_number for h in city.households for p in h.persons}
    net = SandboxNetwork()
    connect_city(net, aws)
    try:
        clerk = Actor(*LINKAGE_CLERK)
        reviewer_id, reviewer_terminal, reviewer_name = LINKAGE_REVIEWER
        put_staff(StaffMember(reviewer_id, reviewer_name, "保険年金課", date(fy, 4, 1), None))
        put_grant(Grant(reviewer_id, "G-LINK-1", "approve_linkage_provision", "情報提供内容の確認 (自動応答不可)",
                        "番号法第19条第8号", "保険年金課", date(fy, 4, 1), date(fy + 5, 3, 31), "S0001",
                        f"{fy}-04-01T09:00:00+09:00"))

        # (a) registration: the network issues each person's 符号 (asked by resident reference, never
        # My Number); the provision copy (副本) holds the case's qualification and the assessed premium
        persons = pick_persons(city)
        as_of = date(int(month[:4]), int(month[5:7]), 1)
        for hh, pid in persons.all():
            register_code(pid, resident_ref(pid), net, clerk)
            latest = versions_of(hh.household_id, fy)
            register_copy(pid, provision_copy(hh, pid, as_of, latest[-1].result["annual"] if latest else None),
                          clerk)
        say(f"linkage: 符号 and 副本 registered for {len(persons.all())} persons (by resident reference)")

        exchanges: list[dict[str, Any]] = []
        kyokai, pref = SandboxRequester(*KYOKAI, net), SandboxRequester(*PREFECTURE, net)

        def provision(requester: SandboxRequester, item: str, pid: str) -> dict[str, Any]:
            req = requester.make_request(item, resident_ref(pid), city_body())
            _no_my_number("provision request", req, numbers)
            return req

        # (b) automatic provision: only the item's fields, encrypted to the requester's key
        req = provision(kyokai, AUTO_ITEM, persons.auto[1])
        reply = aws.run_state_machine("linkage-provision", req, name=f"demo-provision-{req['request_id']}")
        _no_my_number("provision reply", reply, numbers)
        body = kyokai.open_reply(reply)
        _no_my_number("decrypted provision", body, numbers)
        try:
            pref.open_reply(reply)
            others_can_open = True
        except DecryptionFailed:
            others_can_open = False
        exchanges.append({"kind": "provision", "item": AUTO_ITEM, "requester": kyokai.body_id,
                          "request_id": req["request_id"], "outcome": reply["status"],
                          "fields_received": sorted(body["fields"]), "other_body_can_decrypt": others_can_open})
        say(f"  provision item {AUTO_ITEM} → {kyokai.body_id}: {reply['status']}; decrypted with its key: "
            f"{', '.join(sorted(body['fields']))}; another body's key opens it: {others_can_open}")

        # (b') a request the permitted list does not admit (item 2 from a prefecture): refused, recorded
        req = provision(pref, AUTO_ITEM, persons.auto[1])
        reply = aws.run_state_machine("linkage-provision", req, name=f"demo-provision-{req['request_id']}")
        exchanges.append({"kind": "provision", "item": AUTO_ITEM, "requester": pref.body_id,
                          "request_id": req["request_id"], "outcome": reply["status"], "reason": reply["reason"]})
        say(f"  provision item {AUTO_ITEM} → {pref.body_id}: {reply['status']} ({reply['reason']})")

        # (c) 自動応答不可: parked with a task token until a granted member of staff approves
        req = provision(pref, HELD_ITEM, persons.held[1])
        arn = aws.start_state_machine("linkage-provision", req, name=f"demo-provision-{req['request_id']}")
        wait_pending(req["request_id"], timeout_s=30)
        staff = {"staff_id": reviewer_id, "terminal_id": reviewer_terminal}
        queue = aws.invoke("linkage-approval", {"action": "pending", **staff})["pending"]
        (entry,) = [e for e in queue if e["request_id"] == req["request_id"]]
        _no_my_number("approval preview", entry, numbers)
        say(f"  provision item {HELD_ITEM} → {pref.body_id}: held (自動応答不可); {reviewer_id} reviews "
            f"{', '.join(sorted(entry['preview']['fields']))} and approves")
        aws.invoke("linkage-approval", {"action": "decide", "request_id": req["request_id"],
                                        "decision": "approve", **staff})
        reply = aws.wait_execution(arn, timeout_s=60)
        _no_my_number("provision reply", reply, numbers)
        body = pref.open_reply(reply)
        _no_my_number("decrypted provision", body, numbers)
        exchanges.append({"kind": "provision", "item": HELD_ITEM, "requester": pref.body_id,
                          "request_id": req["request_id"], "outcome": reply["status"], "held": True,
                          "approved_by": reviewer_id, "fields_received": sorted(body["fields"])})
        say(f"  provision item {HELD_ITEM} → {pref.body_id}: {reply['status']} after approval; decrypted: "
            f"{', '.join(sorted(body['fields']))}")

        # (d) query: the previous insurer answers, encrypted to the city's key; decrypted, validated, stored
        q_hh, q_pid = persons.query
        provider = SandboxProvider(PREVIOUS_INSURER, net)
        provider.hold(resident_ref(q_pid), QUERY_ITEM, previous_insurer_data(q_hh, q_pid))
        out = aws.run_state_machine("linkage-query", {"person_id": q_pid, "item": QUERY_ITEM,
                                                      "provider_body": provider.body_id},
                                    name=f"demo-query-{secrets.token_hex(6)}")
        _no_my_number("query result", out, numbers)
        stored = [r for r in results_of(q_pid) if r["request_id"] == out.get("request_id")]
        exchanges.append({"kind": "query", "item": QUERY_ITEM, "provider": provider.body_id,
                          "request_id": out.get("request_id"), "outcome": out["status"],
                          "fields_stored": sorted(stored[0]["fields"]) if stored else []})
        say(f"  query item {QUERY_ITEM} → {provider.body_id}: {out['status']}; "
            f"fields {', '.join(exchanges[-1]['fields_stored'])}")

        records = [r for e in exchanges for r in records_for_request(str(e.pop("request_id")))]
        _no_my_number("情報提供等記録", [r.attribute_values for r in records], numbers)
    finally:
        set_gateway(None)
    provisions = [e for e in exchanges if e["kind"] == "provision"]
    return {
        "persons_registered": len(persons.all()),
        "provisions": {"answered": sum(e["outcome"] == "provided" for e in provisions),
                       "refused": sum(e["outcome"] == "refused" for e in provisions),
                       "held": sum(bool(e.get("held")) for e in provisions)},
        "queries_stored": sum(e["kind"] == "query" and e["outcome"] == "stored" for e in exchanges),
        "records_written": len(records),
        "records": {o: sum(r.outcome == o for r in records) for o in sorted({r.outcome for r in records})},
        "exchanges": exchanges,
        "time_s": round(time.perf_counter() - t0, 2),
    }


# --- the private API over loopback HTTP: what a member of staff does at a terminal ---------------------

API_CLERK = ("S0300", "窓口 一郎", ("read_qualification", "register_change"))
API_COUNTER = ("S0301", "窓口 花子", ("read_qualification", "simulate_premium"))
API_PURPOSE = "国民健康保険の資格管理・窓口試算 (国民健康保険法第9条)"


def _insurable(member: dict[str, Any], start: Any) -> bool:
    """Insured in the city's case and under 75 on `start` (from the 75th birthday: 後期高齢者医療)."""
    from datetime import date

    born = date.fromisoformat(member["birth_date"])
    return bool(member["insured"]) and date(born.year + 75, born.month, min(born.day, 28)) > start


def _api_household(city: Any, start: Any) -> Any:
    """A household of the city with two or more members, all insurable on `start`; else the first."""
    for h in city.households:
        members = h.case["household"]["members"]
        if len(members) >= 2 and all(_insurable(m, start) for m in members):
            return h
    return city.households[0]


def _api(aws: Any, city: Any, fy: int, say: Any) -> dict[str, Any]:
    """A clerk registers one household of the city (宛名 and 取得, 転入) through the API; a member of counter
    staff finds a member by kana, reads them and the household with its history, and runs a 窓口試算 —
    every call over HTTP on 127.0.0.1. Staff and grants through kokuho.access.staff; the access records
    of both are counted; no response may hold a My Number (checked like the linkage payloads)."""
    import statistics
    from datetime import date

    from kokuho.access.records import records_by_staff
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff
    from kokuho_local.local_api import LoopbackApi, api_function, sample_person

    start = date(fy, 4, 1)  # the demo's fiscal year: the one whose rate file the demo assessed with
    numbers = {p.my_number for h in city.households for p in h.persons}
    for staff_id, name, functions in (API_CLERK, API_COUNTER):
        put_staff(StaffMember(staff_id, name, "保険年金課", date(fy, 4, 1), None))
        for i, fn in enumerate(functions):
            put_grant(Grant(staff_id, f"G-API-{i}", fn, API_PURPOSE, "番号法第9条第1項 別表第一 30の項",
                            "保険年金課", date(fy, 4, 1), date(2099, 3, 31), "S0001", f"{fy}-04-01T09:00:00+09:00"))

    household = _api_household(city, start)
    number = int(household.household_id.lstrip("H") or 0)
    members = household.case["household"]["members"]
    calls: list[Any] = []
    api = LoopbackApi(lambda event: dict(aws.invoke(api_function(event), event)))

    def call(staff: str, method: str, path: str, **kw: Any) -> dict[str, Any]:
        resp = api.request(method, path, staff_id=staff, **kw)
        _no_my_number(f"API response {method} {path}", resp.body, numbers)
        calls.append(resp)
        if resp.status >= 400:
            raise SystemExit(f"API {method} {path}: {resp.status} {resp.body.get('error')}")
        return resp.body

    clerk, counter = API_CLERK[0], API_COUNTER[0]
    with api.serving():
        say(f"  loopback API at {api.url} (api function through moto's Lambda)")
        for i, m in enumerate(members):
            fields = sample_person(m["id"], household.household_id, number, i + 1,
                                   relationship="世帯主" if i == 0 else ("配偶者" if i == 1 else "子"),
                                   birth_date=m["birth_date"], sex="1" if i % 2 == 0 else "2",
                                   resident_from=start.isoformat())
            call(clerk, "POST", "/persons", body=fields)
            if _insurable(m, start):
                call(clerk, "POST", f"/persons/{m['id']}/qualification",
                     body={"reason": "move_in", "cause_on": start.isoformat(), "version": 1, "note": "転入届"})
        head = sample_person(members[0]["id"], household.household_id, number, 1, relationship="世帯主",
                             birth_date=members[0]["birth_date"], sex="1", resident_from=start.isoformat())
        surname = str(head["name_kana"]).split()[0]
        found = call(counter, "GET", "/persons", query={"kana": surname})
        hit = next(p for p in found["items"] if p["person_id"] == members[0]["id"])
        person = call(counter, "GET", f"/persons/{hit['person_id']}")
        family = call(counter, "GET", f"/households/{person['household_id']}")
        incomes = {m["id"]: {k: m["income"][k] for k in ("total", "salary", "pension", "declared")}
                   | {"salary_or_pension_earner": bool(m["salary_or_pension_earner"])}
                   for m in members if _insurable(m, start)}
        simulated = call(counter, "POST", f"/households/{household.household_id}/simulation",
                         body={"fiscal_year": fy, "incomes": incomes})
    records = {s: sum(1 for _ in records_by_staff(s)) for s in (clerk, counter)}
    if sum(records.values()) != len(calls):  # every read and write of a person's data leaves one
        raise SystemExit(f"API: {len(calls)} calls but {sum(records.values())} access records")
    statuses: dict[str, int] = {}
    for c in calls:
        statuses[str(c.status)] = statuses.get(str(c.status), 0) + 1
    say(f"  {counter} found {len(found['items'])} by kana {surname}, read {hit['person_id']} "
        f"(history {len(person['history'])} entries) and household {household.household_id} "
        f"({len(family['members'])} members); 窓口試算 FY{fy}: {simulated['result']['annual']:,} 円")
    return {
        "transport": "HTTP on 127.0.0.1, SigV4-signed with each member's login session (IAM, as deployed) → "
                     "REST proxy event → api function via moto's Lambda",
        "household": household.household_id, "persons_registered": len(members),
        "calls": len(calls), "status_codes": statuses,
        "p50_ms": round(statistics.median(c.elapsed_ms for c in calls), 1),
        "search_hits": len(found["items"]), "person_history_entries": len(person["history"]),
        "household_history_entries": len(family["history"]),
        "simulation": {"fiscal_year": fy, "annual": simulated["result"]["annual"]},
        "access_records_written": records,
    }


def _readable_api(a: dict[str, Any]) -> list[str]:
    codes = ", ".join(f"{k}×{v}" for k, v in sorted(a["status_codes"].items()))
    return [f"  private API over loopback HTTP: {a['calls']} calls ({codes}), p50 {a['p50_ms']} ms; household "
            f"{a['household']} registered ({a['persons_registered']} persons), search {a['search_hits']} hits, "
            f"窓口試算 FY{a['simulation']['fiscal_year']} {_yen(a['simulation']['annual'])}; access records "
            f"written {a['access_records_written']}"]
