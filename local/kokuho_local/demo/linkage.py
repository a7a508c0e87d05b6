"""Demo step 4, 情報連携 (information linkage): one of each workflow on the same embedded AWS and city,
through the sandbox network (kokuho_local.sandbox)."""

from __future__ import annotations

import secrets
import time
from typing import Any

from kokuho_local.demo.leaks import no_my_number

LINKAGE_CLERK = ("S0100", "T-KOKUHO-01", "情報連携の準備: 符号・副本の登録 (番号法第19条第8号)")
LINKAGE_REVIEWER = ("S0200", "T-KOKUHO-07", "審査 花子")
KYOKAI = ("全国健康保険協会福岡支部", "全国健康保険協会")  # asks item 2 (answered automatically)
PREFECTURE = ("福岡県", "都道府県知事")  # asks a 自動応答不可 item (a person approves first)
PREVIOUS_INSURER = "福岡市"  # another NHI insurer: answers the city's query for item 70
AUTO_ITEM, HELD_ITEM, QUERY_ITEM = "2", "158", "70"


def run_linkage(aws: Any, city: Any, fy: int, month: str, say: Any) -> dict[str, Any]:
    """(a) 符号 and 副本 registration for the persons involved, (b) an automatic provision, (b') a refused
    one, (c) a 自動応答不可 provision held until a member of staff approves it (task token), (d) a query
    answered by another insurer, decrypted with the city's key and stored. Every exchange is checked for
    My Numbers and leaves a 情報提供等記録."""
    from dataclasses import asdict
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
            no_my_number("provision request", req, numbers)
            return req

        # (b) automatic provision: only the item's fields, encrypted to the requester's key
        req = provision(kyokai, AUTO_ITEM, persons.auto[1])
        reply = aws.run_state_machine("linkage-provision", req, name=f"demo-provision-{req['request_id']}")
        no_my_number("provision reply", reply, numbers)
        body = kyokai.open_reply(reply)
        no_my_number("decrypted provision", body, numbers)
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
        # the reviewer at their terminal, through the private API (their login session is who they are)
        from kokuho_local.local_api import LoopbackApi, api_function

        api = LoopbackApi(lambda event: dict(aws.invoke(api_function(event), event)))
        with api.serving():
            answer = api.request("GET", "/linkage/approvals", staff_id=reviewer_id, terminal_id=reviewer_terminal)
            if answer.status != 200:
                raise SystemExit(f"API GET /linkage/approvals: {answer.status} {answer.body.get('error')}")
            (entry,) = [e for e in answer.body["pending"] if e["request_id"] == req["request_id"]]
            no_my_number("approval preview", entry, numbers)
            say(f"  provision item {HELD_ITEM} → {pref.body_id}: held (自動応答不可); {reviewer_id} reviews "
                f"{', '.join(sorted(entry['preview']['fields']))} and approves")
            answer = api.request("POST", f"/linkage/approvals/{req['request_id']}", staff_id=reviewer_id,
                                 terminal_id=reviewer_terminal, body={"decision": "approve"})
            if answer.status != 200:
                raise SystemExit(f"API POST /linkage/approvals: {answer.status} {answer.body.get('error')}")
        reply = aws.wait_execution(arn, timeout_s=60)
        no_my_number("provision reply", reply, numbers)
        body = pref.open_reply(reply)
        no_my_number("decrypted provision", body, numbers)
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
                                    name=f"demo-query-{secrets.token_hex(4)}")
        no_my_number("query result", out, numbers)
        stored = [r for r in results_of(q_pid) if r["request_id"] == out.get("request_id")]
        exchanges.append({"kind": "query", "item": QUERY_ITEM, "provider": provider.body_id,
                          "request_id": out.get("request_id"), "outcome": out["status"],
                          "fields_stored": sorted(stored[0]["fields"]) if stored else []})
        say(f"  query item {QUERY_ITEM} → {provider.body_id}: {out['status']}; "
            f"fields {', '.join(exchanges[-1]['fields_stored'])}")

        records = [r for e in exchanges for r in records_for_request(str(e.pop("request_id")))]
        no_my_number("情報提供等記録", [asdict(r) for r in records], numbers)
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


def readable_linkage(k: dict[str, Any]) -> list[str]:
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
