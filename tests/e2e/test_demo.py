"""`kokuho demo` on a small city: the whole cycle runs and its summary is the engine's own figures; the
linkage step runs one of each workflow and leaks no My Number."""

from __future__ import annotations

import gzip
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from kokuho.identity.mynumber import count_my_numbers
from kokuho.linkage.fields import validate_fields
from kokuho.linkage.permitted_list import load_permitted_list
from kokuho.premium import compute_case
from kokuho_local.cli.main import main
from kokuho_local.demo.leaks import LinkageLeak, no_my_number
from kokuho_local.synthetic import generate_city
from kokuho_local.synthetic.linkage import member, pick_persons, previous_insurer_data, provision_copy, resident_ref


def test_demo_runs_a_whole_cycle_and_writes_a_consistent_summary(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "summary.json"
    assert main(["demo", "--households", "30", "--seed", "7", "--batch-size", "10", "--out", str(out)]) == 0
    summary = json.loads(out.read_text("utf-8"))
    # the city the demo drew, and the engine's figures from its persons: what arrived through the city's
    # files (register, public assistance, tax, care) and the cases the intakes derived must give the same
    city = generate_city(30, seed=7, fiscal_year=2024, registers=True)
    results = [compute_case(h.case) for h in city.households]
    assert (summary["households"], summary["persons"]) == (30, city.persons)
    assert summary["my_numbers"] == {"stored": city.persons}
    assert summary["city_files"]["residents/2024-04-01-arrivals.jsonl"] == city.persons
    assert summary["city_files"]["tax/2024-06-initial.jsonl"] == city.persons
    annual = summary["annual"]
    assert (annual["households_assessed"], annual["versions_written"]) == (30, 30)
    assert annual["annual_total"] == sum(r["annual"] for r in results)
    assert annual["totals"]["medical"] == sum(r["parts"]["medical"] for r in results)
    assert summary["monthly"]["versions_written"] == summary["monthly"]["corrections"]
    assert summary["rerun_same_month"] == {"households_selected": 0, "versions_written": 0,
                                           "reports_the_run": True}
    assert [t["outcome"] for t in summary["transfers"]] == ["transferred", "transferred"]
    assert summary["versions_written"] == 30 + summary["monthly"]["versions_written"]
    printed = capsys.readouterr()
    assert "本算定" in printed.out and f"{annual['annual_total']:,} 円" in printed.out
    assert annual["rates"] == "確定" and "(rates 確定)" in printed.out  # FY2024: confirmed rates
    assert "[demo]" in printed.err  # progress on stderr
    # the process's peak resident memory (issue 14 item 5), in the summary and printed
    assert 50 < summary["peak_rss_mb"] < 4096
    assert f"peak RSS {summary['peak_rss_mb']:,} MB" in printed.out

    # the collection year (issue 12 item 9): the June print run, the payers' files through the intake, the 督促
    # runs, refunds after the 更正 through the 総合振込 file, 滞納整理 through the API and the 収納率
    c = summary["collection"]
    assert (c["print_run"]["notices"], c["print_run"]["unaddressed"]) == (30, 0)
    assert sum(c["behaviours"].values()) == 30 and len(c["behaviours"]) == 8  # every kind of payer in the city
    pay = c["payments"]
    assert pay["unmatched"] == 0 and pay["duplicates"] == 0  # every slip the print run printed is known
    assert pay["applied"] == pay["lines"] - pay["failed_debits"] and pay["failed_debits"] >= 1
    assert pay["by_rule"]["納付番号"] > 0 and pay["by_rule"]["納付者・年度"] > 0  # slips, and 特別徴収
    stats = c["arrears"]["statistics"]
    assert stats["fiscal_year"] == 2024 and stats["ledgers"] == 30
    assert stats["current_due"] == annual["annual_total"] + summary["monthly"]["difference_total"]
    refunds = c["refunds"]
    # what was paid beyond the charge (paid twice) is what the refund run disbursed after the year
    assert pay["applied_yen"] == stats["current_collected"] + refunds["refund_yen"] + refunds["appropriated_yen"]
    assert abs(float(stats["current_rate"]) - 100 * stats["current_collected"] / stats["current_due"]) < 0.01
    assert 0 < stats["current_collected"] < stats["current_due"]  # some paid late or never
    reminders = c["reminders"]
    assert reminders["runs"] == 10 and reminders["reminders"] > 0 and reminders["late"] == 0
    assert reminders["late_charges"] > 0 and reminders["fee_billed_yen"] == 0  # 督促手数料: 0 by ordinance (data)
    assert refunds["refunds"] >= 1 and refunds["accounts_named_through_api"] == refunds["held"]
    (refund_file,) = refunds["transfer_files"]
    assert refund_file["transfers"] == refunds["refunds"] and refund_file["yen"] == refunds["refund_yen"]
    assert refund_file["records_of_120_bytes"] == refund_file["transfers"] + 3  # header, data, trailer, end
    arrears = c["arrears"]
    assert arrears["staff_actions"] == {"納付相談": 2, "分納誓約": 1, "差押": 1} and arrears["pledges_missed"] == 1
    # entered against the real clock long after their FY days: each 分納誓約 and 差押 in force by the 係長's approval
    assert arrears["late_entries_approved"] == 2
    assert arrears["demand_run"]["demands"] > 0 and arrears["statuses_of_worked_ledgers"].get("seized", 0) > 0
    assert set(c["api"]["status_codes"]) <= {"200", "201"}
    assert c["api"]["calls_recorded"] == c["api"]["calls"] and c["demo_reads_recorded"] > 0  # each call recorded
    assert c["api"]["access_records_written"] >= c["api"]["calls"]
    notices = sorted(c["notices"])
    assert {n.split("/")[1].split("_")[0] for n in notices} == {"決定通知書", "変更通知書", "納入通知書", "督促状",
                                                                 "還付通知書"}
    # the 決定通知書 of every household the annual run decided, the 変更通知書 of every one the 更正 changed:
    # printed by the workflow in parts, none left out
    assert (c["decision_notices"]["notices"], c["decision_notices"]["kinds"]["決定通知書"]) == (30, 30)
    assert c["change_notices"]["kinds"]["変更通知書"] == summary["monthly"]["versions_written"] > 0
    assert c["change_notices"]["left_out"] == {"no_notice": 0, "unaddressed": 0, "unexplained": 0}
    notice_text = ""
    for name in notices:
        pdf = pdfium.PdfDocument((tmp_path / name).read_bytes())
        notice_text += "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "納付番号" in notice_text and "還付金額" in notice_text and "変更理由" in notice_text.replace("\r\n", "")
    assert "収納" in printed.out and "総合振込" in printed.out

    linkage = summary["linkage"]
    auto, refused, held, query = linkage["exchanges"]
    # an automatic provision, answered; the requester decrypted it, another body's key could not
    assert (auto["kind"], auto["item"], auto["requester"], auto["outcome"]) == (
        "provision", "2", "全国健康保険協会福岡支部", "provided")
    assert auto["other_body_can_decrypt"] is False
    assert set(auto["fields_received"]) <= set(load_permitted_list().item("2").fields)
    assert "insurer_number" in auto["fields_received"]
    assert (refused["outcome"], refused["reason"]) == ("refused", "wrong_requester")
    # 自動応答不可: held until a granted member of staff approved it, then provided
    assert not load_permitted_list().item(held["item"]).auto_response
    assert (held["outcome"], held["held"], held["approved_by"]) == ("provided", True, "S0200")
    assert set(held["fields_received"]) <= set(load_permitted_list().item(held["item"]).fields)
    # a query answered by another insurer, decrypted with the city's key and stored
    assert (query["kind"], query["item"], query["outcome"]) == ("query", "70", "stored")
    assert "high_cost_count" in query["fields_stored"]
    assert linkage["provisions"] == {"answered": 2, "refused": 1, "held": 1}
    assert linkage["queries_stored"] == 1 and linkage["persons_registered"] == 3
    # the query's record before it left (requested) and its outcome (received)
    assert (linkage["records_written"], linkage["records"]) == (
        5, {"provided": 2, "received": 1, "refused": 1, "requested": 1})
    assert "情報連携" in printed.out and "provided after approval by S0200" in printed.out
    # the private API over loopback HTTP: a clerk registers a household of the city, counter staff search,
    # read the person and the household, and simulate; every call answered and recorded
    history = summary["access_history"]  # every access record of the run, verified and anchored
    assert (history["intact"], history["breaks"], history["digests"]) == (True, 0, 1)
    assert history["records"] >= history["chains"] > 0
    api = summary["api"]
    household = next(h for h in city.households if h.household_id == api["modelled_on"])
    assert api["household"] not in {h.household_id for h in city.households}  # moving in at the counter
    assert api["persons_registered"] == len(household.persons)
    assert set(api["status_codes"]) <= {"200", "201"} and sum(api["status_codes"].values()) == api["calls"]
    assert api["status_codes"]["201"] == len(household.persons)  # POST /persons, one a member
    assert api["search_hits"] >= 1 and api["household_history_entries"] >= len(household.persons)
    assert api["simulation"]["fiscal_year"] == 2024 and api["simulation"]["annual"] > 0
    # one access record a call: the clerk's registrations and 取得, the counter's four requests
    assert api["access_records_written"]["S0301"] == 4
    assert api["access_records_written"]["S0300"] == api["calls"] - 4
    assert "private API over loopback HTTP" in printed.out
    # the run's CloudTrail (issue 11 item 2): out/trail/ beside the summary, read by the security team's
    # commands as the city's bucket — every file valid, the scan runs, the API's data calls name the staff
    trail = summary["trail"]
    assert trail["valid"] and trail["records"] > history["records"] and trail["digests"] >= 1
    assert trail["scan"]["records"] == trail["records"]
    assert "mynumber-access" not in trail["scan"]["findings"]
    assert Path(trail["directory"]) == tmp_path / "trail"
    assert main(["trail", "validate", "--logs", trail["directory"], "--public-keys", trail["public_keys"]]) == 0
    # Every function's access record (a transaction of puts, through its data role or an api function's own
    # role) passes access-log-write; the demo driver's own in-process records (the synthetic banks' reads, its
    # counter steps) are appended outside the functions, with the operator's credentials: named, as any
    # principal outside the writers is.
    assert main(["trail", "scan", "--logs", trail["directory"], "--json"]) == 0
    writes = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"access-log-write"' in line]
    assert {w["principal"] for w in writes} <= {"arn:aws:iam::123456789012:user/kokuho-operator"}
    scan = summary["trail"]["scan"]  # the summary counts them apart, as the driver's
    assert scan["by_the_demo_driver"].get("access-log-write", 0) == scan["findings"].get("access-log-write", 0)
    assert main(["trail", "scan", "--logs", trail["directory"]]) == 0
    printed_trail = capsys.readouterr().out
    assert f"{trail['records']:,} records read" in printed_trail
    records = [r for p in sorted((tmp_path / "trail").rglob("*_CloudTrail_*.json.gz"))
               for r in json.loads(gzip.decompress(p.read_bytes()))["Records"]]
    staff_reads = {r["userIdentity"]["sessionContext"]["sourceIdentity"] for r in records
                   if r["eventSource"] == "dynamodb.amazonaws.com"
                   and r["userIdentity"].get("sessionContext", {}).get("sourceIdentity")}
    assert {"S0300", "S0301"} <= staff_reads  # the counter staff and the clerk, by name
    # every data event a function made names who caused it — a member of staff or a workflow's run (issue 11
    # item 1) — but the API's identifying of its caller (sessions, grants, volume counters), before anyone acts
    caller_tables = {"kokuho-staff-sessions", "kokuho-staff", "kokuho-api-usage"}
    unnamed = [r for r in records if r["eventCategory"] == "Data" and r["eventSource"] != "lambda.amazonaws.com"
               and r["userIdentity"].get("type") == "AssumedRole"
               and not r["userIdentity"]["sessionContext"].get("sourceIdentity")
               and not set(re.findall(r"kokuho-[a-z-]+", json.dumps(r["requestParameters"]))) <= caller_tables]
    assert unnamed == []
    # no My Number of the city anywhere in what the demo printed or wrote
    numbers = [p.my_number for h in city.households for p in h.persons]
    trail_text = "".join(json.dumps(r, ensure_ascii=False) for r in records)
    for text in (printed.out, printed.err, out.read_text("utf-8"), trail_text, notice_text):
        assert count_my_numbers(text) == 0
        assert not any(n in text for n in numbers)


def test_the_demo_refuses_a_linkage_payload_holding_a_my_number() -> None:
    number = generate_city(1, seed=7).households[0].persons[0].my_number
    no_my_number("reply", {"fields": {"insurer_number": "401000"}}, {number})  # clean: passes
    with pytest.raises(LinkageLeak) as caught:
        no_my_number("reply", {"fields": {"note": f"番号 {number}"}}, set())
    assert number not in str(caught.value)
    # a random hex id may hold a number-shaped run by chance: not a leak, unless it is a city's number
    no_my_number("reply", {"request_id": f"R{number}ab"}, set())
    with pytest.raises(LinkageLeak):
        no_my_number("reply", {"request_id": f"R{number}ab"}, {number})


def test_synthetic_linkage_data_is_deterministic_valid_and_never_my_number_shaped() -> None:
    city = generate_city(30, seed=7)
    persons = pick_persons(city)
    assert persons == pick_persons(generate_city(30, seed=7))
    assert len({pid for _, pid in persons.all()}) == 3
    lost = member(*persons.auto)["insured"][-1]["until"]
    joined = member(*persons.query)["insured"][0]["from"]
    assert lost is not None and joined > "2024-04-01"  # the persons the story needs exist in this city
    for hh, pid in persons.all():
        ref = resident_ref(pid)
        assert len(ref) == 11 and ref.isdigit() and ref == resident_ref(pid)
        copy = provision_copy(hh, pid, date(2024, 12, 1), 123_400)
        assert validate_fields(copy) and copy["premium_assessed"] == {"year": 2024, "amount": 123_400}
    previous = previous_insurer_data(*persons.query)
    assert validate_fields(previous, load_permitted_list().item("70").fields)
    assert previous["qualification_lost_on"] == joined


def test_the_synthetic_city_is_deterministic_and_every_case_is_valid() -> None:
    a, b = generate_city(200, seed=3), generate_city(200, seed=3)
    assert [h.case for h in a.households] == [h.case for h in b.households]
    assert [p.my_number for h in a.households for p in h.persons] == \
        [p.my_number for h in b.households for p in h.persons]
    assert generate_city(200, seed=4).households[0].case != a.households[0].case
    members = [m for h in a.households for m in h.case["household"]["members"]]
    assert any(not m["insured"] for m in members)  # 擬制世帯主 or 特定同一世帯所属者
    assert any(m["specific_same_household"] for m in members)
    assert any(m["insured"] and m["insured"][0]["from"] > "2024-04-01" for m in members)  # mid-year join
    assert any(m["insured"] and m["insured"][0]["until"] for m in members)  # mid-year loss
    for h in a.households:
        compute_case(h.case)  # raises CaseError on an invalid case


def test_a_my_number_in_a_decrypted_reply_stops_the_demo_without_repeating_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from kokuho_local.sandbox import SandboxRequester

    number = generate_city(3, seed=7).households[0].persons[0].my_number
    original = SandboxRequester.open_reply

    def leaky(self: SandboxRequester, reply: dict[str, Any]) -> dict[str, Any]:
        body = original(self, reply)
        body["fields"]["note"] = number  # as if the city had sent a My Number
        return body

    monkeypatch.setattr(SandboxRequester, "open_reply", leaky)
    out = tmp_path / "summary.json"
    assert main(["demo", "--households", "3", "--seed", "7", "--out", str(out)]) == 1
    printed = capsys.readouterr()
    assert "run failed: decrypted provision: a My Number is present" in printed.err
    assert number not in printed.out + printed.err and not out.exists()
