"""Demo step 5, the private API over loopback HTTP (kokuho_local.local_api): what a member of staff
does at a terminal — a clerk registers a household, counter staff search, read and run a 窓口試算."""

from __future__ import annotations

from typing import Any

from kokuho_local.demo.leaks import no_my_number
from kokuho_local.demo.summary import yen

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


def run_api(aws: Any, city: Any, fy: int, say: Any) -> dict[str, Any]:
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

    from kokuho_local.synthetic.city import atena_no

    # a household moving in at the counter: the city's own are all registered by the register's files,
    # so a new one, shaped like one of them (its members' births and incomes)
    shape = _api_household(city, start)
    number = len(city.households) + 1
    household_id = f"H{number:07d}"
    members = [{**m, "id": f"A{atena_no(number, i + 1)}"} for i, m in enumerate(shape.case["household"]["members"])]
    calls: list[Any] = []
    api = LoopbackApi(lambda event: dict(aws.invoke(api_function(event), event)))

    def call(staff: str, method: str, path: str, **kw: Any) -> dict[str, Any]:
        resp = api.request(method, path, staff_id=staff, **kw)
        no_my_number(f"API response {method} {path}", resp.body, numbers)
        calls.append(resp)
        if resp.status >= 400:
            raise SystemExit(f"API {method} {path}: {resp.status} {resp.body.get('error')}")
        return resp.body

    clerk, counter = API_CLERK[0], API_COUNTER[0]
    with api.serving():
        say(f"  loopback API at {api.url} (api function through moto's Lambda)")
        for i, m in enumerate(members):
            fields = sample_person(m["id"], household_id, number, i + 1,
                                   relationship="世帯主" if i == 0 else ("配偶者" if i == 1 else "子"),
                                   birth_date=m["birth_date"], sex="1" if i % 2 == 0 else "2",
                                   resident_from=start.isoformat())
            call(clerk, "POST", "/persons", body=fields)
            if _insurable(m, start):
                call(clerk, "POST", f"/persons/{m['id']}/qualification",
                     body={"reason": "move_in", "cause_on": start.isoformat(), "version": 1, "note": "転入届"})
        head = sample_person(members[0]["id"], household_id, number, 1, relationship="世帯主",
                             birth_date=members[0]["birth_date"], sex="1", resident_from=start.isoformat())
        # the whole city is in the file: the name in kana and the birth date find the person at the counter
        surname = str(head["name_kana"])
        found = call(counter, "GET", "/persons", query={"kana": surname, "birth_date": members[0]["birth_date"]})
        hit = next(p for p in found["items"] if p["person_id"] == members[0]["id"])
        person = call(counter, "GET", f"/persons/{hit['person_id']}")
        family = call(counter, "GET", f"/households/{person['household_id']}")
        incomes = {m["id"]: {k: m["income"][k] for k in ("total", "salary", "pension", "declared")}
                   | {"salary_or_pension_earner": bool(m["salary_or_pension_earner"])}
                   for m in members if _insurable(m, start)}
        simulated = call(counter, "POST", f"/households/{household_id}/simulation",
                         body={"fiscal_year": fy, "incomes": incomes})
    # a joiner's 特定健診受診券 issued on acquisition leaves its own record (category 保健事業), counted apart
    from kokuho.records.health import CATEGORY as HEALTH

    records = {s: sum(1 for r in records_by_staff(s) if r.category != HEALTH) for s in (clerk, counter)}
    vouchers = sum(1 for r in records_by_staff(clerk) if r.category == HEALTH)
    if sum(records.values()) != len(calls):  # every read and write of a person's data leaves one
        raise SystemExit(f"API: {len(calls)} calls but {sum(records.values())} access records")
    statuses: dict[str, int] = {}
    for c in calls:
        statuses[str(c.status)] = statuses.get(str(c.status), 0) + 1
    say(f"  {counter} found {len(found['items'])} by kana {surname} and birth date, read {hit['person_id']} "
        f"(history {len(person['history'])} entries) and household {household_id} "
        f"({len(family['members'])} members); 窓口試算 FY{fy}: {simulated['result']['annual']:,} 円")
    return {
        "transport": "HTTP on 127.0.0.1, SigV4-signed with each member's login session (IAM, as deployed) → "
                     "REST proxy event → api function via moto's Lambda",
        "household": household_id, "modelled_on": shape.household_id, "persons_registered": len(members),
        "calls": len(calls), "status_codes": statuses,
        "p50_ms": round(statistics.median(c.elapsed_ms for c in calls), 1),
        "search_hits": len(found["items"]), "person_history_entries": len(person["history"]),
        "household_history_entries": len(family["history"]),
        "simulation": {"fiscal_year": fy, "annual": simulated["result"]["annual"]},
        "access_records_written": records, "voucher_records_on_acquisition": vouchers,
    }


def readable_api(a: dict[str, Any]) -> list[str]:
    codes = ", ".join(f"{k}×{v}" for k, v in sorted(a["status_codes"].items()))
    return [f"  private API over loopback HTTP: {a['calls']} calls ({codes}), p50 {a['p50_ms']} ms; household "
            f"{a['household']} registered ({a['persons_registered']} persons), search {a['search_hits']} hits, "
            f"窓口試算 FY{a['simulation']['fiscal_year']} {yen(a['simulation']['annual'])}; access records "
            f"written {a['access_records_written']}"]
