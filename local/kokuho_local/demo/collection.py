"""Demo step: the collection year (収納・滞納, issue 12 item 9) — after the annual run, through the 更正, to the
year's end, on the same embedded AWS, through the workflows as deployed and the private API.

Phase one (`before_correction`, after the annual run): the June print run of the 納入通知書 (state machine
`collection-notices`: every ledger, its slips issued), then month by month until the 更正's month: the payers'
files (kokuho_local.synthetic.payments: on time, late, partial, never, by pension) delivered and taken by
`collection-payment-intake`, and the daily 督促 run (`collection-reminders`) ten days after each due date.
Phase two (`after_correction`, after the monthly run): the same to the year's end and the April run, the
refund run after the 更正 (`collection-refunds`: 充当, 還付 held until the payer names an account — a clerk
enters it through the API — then the 全銀協 総合振込 file), the month's 催告 and the daily pledge check
(`collection-arrears`, which then makes the 収納率), and a member of staff's 滞納整理 through the API (arrears
read, 納付相談, 分納誓約, 差押; the statistics read). A handful of notices go under `out/notices/`.

The demo's own reads of a person's data (the ledgers the synthetic payers plan from, the payers' names and
addresses of the notices written here) leave access records like every other read (actor `demo:collection`).
"""

from __future__ import annotations

import base64
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from kokuho_local.demo.leaks import no_my_number
from kokuho_local.demo.summary import yen

STAFF = ("S0310", "収納 一郎", ("collection_read", "collection_record", "arrears_action"))
# The 係長 who approves a measure entered late: the demo enters its FY measures in simulated time against the real
# clock, so each 分納誓約 and 差押 waits for a second member's 遡及入力承認 (kokuho.collection.arrears_entry)
CHIEF = ("S0311", "収納 係長", ("collection_read", "arrears_approve"))
STAFF_PURPOSE = "保険料の収納・滞納整理 (国保法第79条の2・地方自治法第231条の3)"
DEMO_ACTOR = ("demo:collection", "デモ: 納付者・金融機関の模擬と通知書の見本 (合成データ)")
REMINDER_LAG = 10  # the 督促 run the demo makes: ten days after each due date (within the 20 days)
SUBJECTS_PER_RECORD = 100


class CollectionYear:
    """State carried from phase one to phase two (the demo's own: the files, runs and figures so far)."""

    def __init__(self, aws: Any, city: Any, fy: int, seed: int, out_dir: Path, say: Any) -> None:
        from kokuho.access.records import Actor

        self.aws, self.city, self.fy, self.seed, self.say = aws, city, fy, seed, say
        self.out_dir = out_dir
        self.actor = Actor(DEMO_ACTOR[0], f"demo-collection-{fy}", DEMO_ACTOR[1])
        self.numbers = {p.my_number for h in city.households for p in h.persons}
        self.kinds: dict[str, str] = {}
        self.printed: dict[str, int] = {}  # household → the version whose slips the June print run issued
        self.pending: list[Any] = []  # planned payments not yet delivered
        self.last_day = date(fy, 6, 1)  # payments and runs so far are on or before this day
        self.files: list[dict[str, Any]] = []
        self.reminder_runs: list[dict[str, Any]] = []
        self.out: dict[str, Any] = {}
        self.executions = 0
        self.seconds = 0.0
        self.cpu_seconds = 0.0  # this process's CPU (the whole embedded AWS runs in it): the cost, whatever the load

    # -- helpers ------------------------------------------------------------------------------------

    def _run(self, machine: str, payload: dict[str, Any], name: str) -> dict[str, Any]:
        self.executions += 1
        out = self.aws.run_state_machine(machine, payload, name=name, timeout_s=1800)
        no_my_number(f"{machine} output", out, self.numbers)
        return dict(out)

    def _record_read(self, subjects: Sequence[str], category: str, what: str) -> None:
        from kokuho.access.records import record_access

        for first in range(0, len(subjects), SUBJECTS_PER_RECORD):
            record_access(self.actor, list(subjects[first:first + SUBJECTS_PER_RECORD]), category, "read",
                          chain=f"DEMO#collection#{what}")

    def _ledgers(self, what: str) -> list[Any]:
        """Every ledger of the year, read as the synthetic payers' banks know them (recorded)."""
        from kokuho.records.collection import LEDGER_CATEGORY, DynamoCollectionStore

        ledgers = sorted((lg for lg in DynamoCollectionStore().all_ledgers() if lg.key[1] == self.fy),
                         key=lambda lg: lg.key)
        self._record_read(sorted({lg.charge.payer_id for lg in ledgers}), LEDGER_CATEGORY, what)
        return ledgers

    def _deliver_and_take(self, through: date) -> None:
        """The planned payments dated up to `through`, delivered as files and taken by the intake."""
        from kokuho.intake.framing import build_file
        from kokuho_local.synthetic.payments import files_of

        due = [p for p in self.pending if p.on <= through]
        self.pending = [p for p in self.pending if p.on > through]
        if not due:
            return
        s3, bucket = self.aws.client("s3"), self.aws.bucket_name("exchange")
        for key, rows in files_of(due, f"{through:%Y%m%d}"):
            s3.put_object(Bucket=bucket, Key=key, Body=build_file(rows))
        out = self._run("collection-payment-intake", {}, f"demo-payments-{through:%Y%m%d}")
        for f in out.get("files", []):
            if not f.get("accepted"):
                raise SystemExit(f"payment file {f.get('key')} not taken: {f.get('errors') or f.get('error')}")
            self.files.append({k: f.get(k) for k in ("key", "kind", "lines", "applied", "applied_yen", "by_rule",
                                                     "unmatched", "duplicates", "collection_failures")})

    def _plan(self, after: date, through: date, what: str, ledgers: list[Any] | None = None) -> None:
        from kokuho_local.synthetic.payments import plan_payments

        planned = plan_payments(self._ledgers(what) if ledgers is None else ledgers, self.kinds, self.printed,
                                after=after, through=through, seed=self.seed)
        self.pending = sorted([*self.pending, *planned], key=lambda p: (p.on, p.kind, p.household_id))

    def _reminders(self, on: date) -> None:
        out = self._run("collection-reminders", {"on": on.isoformat()}, f"demo-reminders-{on:%Y%m%d}")
        self.reminder_runs.append(out)

    def _through(self, end: date) -> None:
        """Month by month to `end` (exclusive): each due date's payments, then the 督促 run ten days on."""
        from kokuho.collection.due_dates import month_due_date

        for k in range(10):
            y, m = (self.fy, 6 + k) if k < 7 else (self.fy + 1, k - 6)
            run_on = month_due_date(y, m) + timedelta(days=REMINDER_LAG)
            if self.last_day < run_on < end:
                self._deliver_and_take(run_on)
                self._reminders(run_on)
                self.last_day = run_on

    # -- phase one ----------------------------------------------------------------------------------

    def before_correction(self, change_month: str) -> None:
        from kokuho_local.synthetic.payments import behaviours

        t, cpu = time.perf_counter(), time.process_time()
        fy = self.fy
        issued = date(fy, 6, 15)
        self.say("収納 (1): the June print run of the 納入通知書 (collection-notices; every slip's 納付番号 issued)")
        printed = self._run("collection-notices", {"fiscal_year": fy, "issued_on": issued.isoformat()},
                            f"demo-notices-{fy}")
        self.say("収納 (1): the 決定通知書 of the annual run (collection-notices, notices=assessment: in parts)")
        decided = self._run("collection-notices", {"notices": "assessment", "assessment_run": f"annual-{fy}-{fy}-06",
                                                   "issued_on": issued.isoformat()}, f"demo-decision-notices-{fy}")
        self.out["decision_notices"] = _assessment_print(decided)
        self.change_month = change_month
        ledgers = self._ledgers("june")
        self.printed = {lg.key[0]: lg.charge.version for lg in ledgers}
        self.kinds = behaviours(sorted(self.printed), self.seed, _pension_eligible(self.city, fy))
        end = date(int(change_month[:4]), int(change_month[5:7]), 1)
        self._plan(self.last_day, end - timedelta(days=1), "plan-1", ledgers)
        self._through(end)
        self.out["print_run"] = {k: printed[k] for k in ("print_id", "notices", "pages", "parts", "unaddressed")}
        self.out["behaviours"] = dict(Counter(self.kinds.values()).most_common())
        self.seconds += time.perf_counter() - t
        self.cpu_seconds += time.process_time() - cpu

    # -- phase two ----------------------------------------------------------------------------------

    def after_correction(self, api_call: Any) -> dict[str, Any]:
        from kokuho.access.records import records_by_staff

        t, cpu = time.perf_counter(), time.process_time()
        fy = self.fy
        year_end = date(fy + 1, 3, 31)
        self.say("収納 (2): after the 更正 — its 変更通知書, payments to the year's end, the 督促 runs, refunds, "
                 "滞納整理, 収納率")
        month = self.change_month
        changed = self._run("collection-notices", {
            "notices": "assessment", "assessment_run": f"monthly-{fy}-{month}",
            "issued_on": f"{month}-15"}, f"demo-change-notices-{month}")
        self.out["change_notices"] = _assessment_print(changed)
        self._plan(self.last_day, year_end, "plan-2")
        demand_on = date(fy + 1, 2, 17)  # the month's 催告 (the workflow's 15th; a weekday)
        arrears = self._arrears(demand_on, date(fy + 1, 4, 10), api_call)
        # after the year: what the 更正 lowered and what was paid twice is disbursed (充当, then 還付)
        refunds = self._refunds(date(fy + 1, 4, 15), api_call)
        self.out.update(refunds=refunds, arrears=arrears)
        self.out["payments"] = _payments_summary(self.files)
        self.out["reminders"] = _reminders_summary(self.reminder_runs)
        self.out["notices"] = self._notices(api_call)
        self.out["demo_reads_recorded"] = sum(1 for _ in records_by_staff(DEMO_ACTOR[0]))
        self.seconds += time.perf_counter() - t
        self.cpu_seconds += time.process_time() - cpu
        self.out["executions"] = self.executions
        self.out["seconds"] = round(self.seconds, 2)
        self.out["cpu_seconds"] = round(self.cpu_seconds, 2)
        return self.out

    def _refunds(self, on: date, api_call: Any) -> dict[str, Any]:
        """The refund run after the 更正 (充当, 還付), a clerk naming the account of held refunds through the API,
        then the run again: the ready refunds into one 全銀協 総合振込 file."""
        from kokuho.records.collection import LEDGER_CATEGORY, DynamoCollectionStore

        self._deliver_and_take(on)
        first = self._run("collection-refunds", {"on": on.isoformat()}, f"demo-refunds-{on:%Y%m%d}")
        store = DynamoCollectionStore()
        held = sorted(store.refunds("held"), key=lambda r: r.refund_id)
        self._record_read(sorted({r.payer_id for r in held}), LEDGER_CATEGORY, "refunds")
        named = 0
        for i, r in enumerate(held[:20]):  # the payers who sent their 還付請求書 back
            api_call("POST", f"/collection/refunds/{r.refund_id}/account", body={
                "bank_code": "0177", "branch_code": f"{100 + i % 50:03d}", "account_type": "普通",
                "account_number": f"{1000000 + i * 7919 % 9000000:07d}", "holder_kana": "キタキュウ タロウ"})
            named += 1
        later = on + timedelta(days=3)
        second = self._run("collection-refunds", {"on": later.isoformat()}, f"demo-refunds-{later:%Y%m%d}")
        files = []
        for out in (first, second):  # each run: the overpayment run's figures under "run", then its file
            if out.get("file_id"):
                data = self.aws.client("s3").get_object(Bucket=self.aws.bucket_name("exchange"),
                                                        Key=out["key"])["Body"].read()
                files.append({"file_id": out["file_id"], "transfers": out["refunds"], "yen": out["refund_yen"],
                              "bytes": len(data), "records_of_120_bytes": len(data.replace(b"\r\n", b"")) // 120})
        run = first["run"]
        return {"on": on.isoformat(), "payers": run["payers"], "appropriated": run["appropriated"],
                "appropriated_yen": run["appropriated_yen"], "refunds": run["refunds"], "refund_yen": run["refund_yen"],
                "held": run["held"], "accounts_named_through_api": named, "transfer_files": files}

    def _arrears(self, demand_on: date, end_on: date, api_call: Any) -> dict[str, Any]:
        """The month's 催告 (collection-arrears, demand), a member of staff's measures through the API on two
        ledgers in arrears, the daily pledge check at the year's end, and the 収納率 it makes."""
        fy = self.fy
        self._through(demand_on)
        demand = self._run("collection-arrears", {"on": demand_on.isoformat(), "mode": "demand", "fiscal_year": fy},
                           f"demo-arrears-demand-{demand_on:%Y%m%d}")
        never = sorted(h for h, b in self.kinds.items() if b == "未納")
        actions: Counter[str] = Counter()
        approvals = 0
        views = []
        on = demand_on + timedelta(days=3)
        for i, hh in enumerate(never[:2]):
            path = f"/collection/arrears/{hh}/{fy}"
            view = api_call("GET", path, query={"as_of": on.isoformat()})
            owed = [n for n in view["installments"] if n["status"] == "in_arrears"]
            if not owed:
                continue
            api_call("POST", f"{path}/actions", body={"kind": "納付相談", "on": on.isoformat(),
                                                      "note": "電話で納付相談。収入減のため分納を希望。"})
            actions["納付相談"] += 1
            if i == 0:  # a pledge: the unpaid principal in three payments; the first made, the second missed
                unpaid = sum(n["unpaid"] for n in view["installments"] if n["status"] != "paid"
                             and date.fromisoformat(n["due"]) < on)
                parts = [unpaid // 3, unpaid // 3, unpaid - 2 * (unpaid // 3)]
                days = [date(fy + 1, 3, 10), date(fy + 1, 3, 31), date(fy + 1, 4, 30)]
                done = api_call("POST", f"{path}/actions", body={"kind": "分納誓約", "on": on.isoformat(), "plan": [
                    {"on": d.isoformat(), "amount": a} for d, a in zip(days, parts, strict=True)]})
                actions["分納誓約"] += 1
                approvals += self._approve(api_call, path, done["action"])
                self._pledge_payment(hh, days[0], parts[0], min(n["number"] for n in owed))
            else:
                amount = sum(n["unpaid"] for n in owed)
                basis = "国民健康保険法第79条の2、地方自治法第231条の3第3項、国税徴収法第47条 (督促後の滞納)"
                done = api_call("POST", f"{path}/actions", body={"kind": "差押", "on": on.isoformat(), "basis": basis,
                                                                 "property": "預金債権 (合成データ)", "amount": amount})
                actions["差押"] += 1
                approvals += self._approve(api_call, path, done["action"])
            views.append(hh)
        self._through(end_on + timedelta(days=1))
        daily = self._run("collection-arrears", {"on": end_on.isoformat(), "mode": "daily", "fiscal_year": fy},
                          f"demo-arrears-daily-{end_on:%Y%m%d}")
        stats = api_call("GET", f"/collection/statistics/{fy}")
        after = [api_call("GET", f"/collection/arrears/{hh}/{fy}", query={"as_of": end_on.isoformat()})
                 for hh in views]
        statuses = Counter(n["status"] for v in after for n in v["installments"])
        return {"demand_run": {k: demand.get("run", {}).get(k, demand.get(k)) for k in ("demands",)},
                "staff_actions": dict(actions), "late_entries_approved": approvals, "ledgers_worked": views,
                "pledges_missed": daily.get("run", {}).get("pledges_missed", daily.get("pledges_missed")),
                "statuses_of_worked_ledgers": dict(sorted(statuses.items())),
                "statistics": {"fiscal_year": stats["fiscal_year"], "as_of": stats["as_of"],
                               "ledgers": stats["ledgers"],
                               "current_rate": stats["current"]["rate"], "current_due": stats["current"]["due"],
                               "current_collected": stats["current"]["collected"],
                               "carried_over_rate": stats["carried_over"]["rate"],
                               "aging": {a["bucket"]: a["unpaid"] for a in stats["aging"]},
                               "wards": len(stats["current"]["by_ward"])},
                "late_charges_billed_yen": sum(int(v["late_charges_billed"]) for v in after)}

    @staticmethod
    def _approve(api_call: Any, path: str, action: dict[str, Any]) -> int:
        """The 係長's 遡及入力承認 of a measure entered late (none needed when entered within the city's lag)."""
        if not action.get("needs_approval"):
            return 0
        api_call("POST", f"{path}/actions/{action['id']}/approval", body={"decision": "approve"}, staff_id=CHIEF[0])
        return 1

    def _pledge_payment(self, hh: str, on: date, amount: int, installment: int) -> None:
        from kokuho.collection.slips import payment_number
        from kokuho_local.synthetic.payments import PlannedPayment

        self.pending.append(PlannedPayment(on, "receipts", {
            "receipt_id": f"MADO-{on:%Y%m%d}-{hh}", "channel": "窓口", "amount": amount, "paid_on": on.isoformat(),
            "payment_number": payment_number(hh, self.fy, installment, self.printed[hh])}, hh))
        self.pending.sort(key=lambda p: (p.on, p.kind, p.household_id))

    # -- notices ------------------------------------------------------------------------------------

    def _notices(self, api_call: Any) -> list[str]:
        """A handful of notices for a newcomer to open: a 納入通知書, a 決定通知書 and a 変更通知書 (the 更正 in the
        premium engine's words) through the API (as a clerk downloads them: made as the print runs made them), a
        督促状 and a 還付通知書 rendered from the ledger as the runs left them."""
        from datetime import UTC, datetime

        from kokuho.collection.reminders import Reminder
        from kokuho.notices import NoticeBook, RefundNotice, ReminderNotice, addressee_of
        from kokuho.records.collection import LEDGER_CATEGORY, DynamoCollectionStore
        from kokuho.records.qualification import get_persons

        folder = self.out_dir / "notices"
        folder.mkdir(parents=True, exist_ok=True)
        written: list[str] = []
        fy = self.fy
        first = next((h for h, b in sorted(self.kinds.items()) if b == "口座振替"), None) or min(self.kinds)
        doc = api_call("GET", f"/collection/notices/{first}/{fy}", query={"issued_on": f"{fy}-06-15"})
        path = folder / f"納入通知書_{first}_FY{fy}.pdf"
        path.write_bytes(base64.b64decode(doc["content_base64"]))
        written.append(str(path))
        every = DynamoCollectionStore().ledgers([(h, fy) for h in sorted(self.kinds)])
        self._record_read(sorted({lg.charge.payer_id for lg in every.values()}), LEDGER_CATEGORY, "notice-pick")
        month = self.change_month
        for title, wanted, issued in (("決定通知書", 1, f"{fy}-06-15"), ("変更通知書", 2, f"{month}-15")):
            hh = next((k[0] for k, lg in sorted(every.items()) if lg.charge.version == wanted), None)
            if hh is None:
                continue
            doc = api_call("GET", f"/collection/notices/{hh}/{fy}", query={"kind": title, "issued_on": issued})
            path = folder / f"{title}_{hh}_FY{fy}.pdf"
            path.write_bytes(base64.b64decode(doc["content_base64"]))
            written.append(str(path))

        store = DynamoCollectionStore()
        reminded = [lg for lg in store.ledgers([(h, fy) for h, b in self.kinds.items() if b in ("未納", "一部")]
                                               ).values() if lg.reminders]
        filed = [r for f in self.out["refunds"]["transfer_files"] for r in store.refunds_of_file(f["file_id"])]
        refunds = sorted(filed + store.refunds("held"), key=lambda r: r.refund_id)[:1]
        chosen = sorted(reminded, key=lambda lg: lg.key)[:1]
        payers = get_persons([lg.charge.payer_id for lg in chosen] + [r.payer_id for r in refunds])
        self._record_read(sorted(payers), "資格情報", "notices")  # the names and 送付先 printed

        def write(name: str, notice: Any, on: date) -> None:
            book = NoticeBook(created=datetime(on.year, on.month, on.day, tzinfo=UTC), title=name.split("_")[0])
            book.add(notice)
            target = folder / f"{name}.pdf"
            target.write_bytes(book.output())
            written.append(str(target))

        for lg in chosen:
            payer = payers.get(lg.charge.payer_id)
            if payer is None:
                continue
            first_day = min(r["issued_on"] for r in lg.reminders)
            docs = [r for r in lg.reminders if r["issued_on"] == first_day]
            rem = [Reminder(r["id"], int(r["installment"]), date.fromisoformat(r["due"]), int(r["unpaid"]),
                            date.fromisoformat(r["issued_on"]), date.fromisoformat(r["pay_by"]), int(r["fee"]),
                            bool(r["late"])) for r in docs]
            on = date.fromisoformat(first_day)
            write(f"督促状_{lg.key[0]}_{on:%Y%m%d}",
                  ReminderNotice(lg.charge, rem, payer.name_kanji, addressee_of(payer), on), on)
        for r in refunds:
            payer = payers.get(r.payer_id)
            if payer is not None:
                on = date.fromisoformat(r.created_on)
                write(f"還付通知書_{r.source[0]}_{on:%Y%m%d}",
                      RefundNotice(r, payer.name_kanji, addressee_of(payer), on, "保険料の更正 (減額) による納め過ぎ"),
                      on)
        return [str(Path(p).relative_to(self.out_dir)) for p in written]


def _assessment_print(out: dict[str, Any]) -> dict[str, Any]:
    return {k: out.get(k) for k in ("print_id", "notices", "pages", "parts", "kinds", "left_out")}


def _pension_eligible(city: Any, fy: int) -> list[str]:
    """Households whose insured members are all 65–74 on 1 April (domain.md §6; the pension itself is not
    drawn: the demo's pension payers are these)."""
    out = []
    for h in city.households:
        members = [m for m in h.case["household"]["members"] if m.get("insured")]
        ages = [fy - int(str(m["birth_date"])[:4]) - (1 if str(m["birth_date"])[5:] > "04-01" else 0)
                for m in members]
        if ages and all(65 <= a <= 74 for a in ages):
            out.append(h.household_id)
    return out


def _payments_summary(files: Iterable[dict[str, Any]]) -> dict[str, Any]:
    files = list(files)
    rules: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for f in files:
        rules.update(f.get("by_rule") or {})
        kinds[str(f["kind"])] += int(f.get("lines") or 0)
    return {"files": len(files), "lines": sum(int(f.get("lines") or 0) for f in files),
            "applied": sum(int(f.get("applied") or 0) for f in files),
            "applied_yen": sum(int(f.get("applied_yen") or 0) for f in files),
            "unmatched": sum(int(f.get("unmatched") or 0) for f in files),
            "duplicates": sum(int(f.get("duplicates") or 0) for f in files),
            "failed_debits": sum(int(f.get("collection_failures") or 0) for f in files),
            "by_rule": dict(sorted(rules.items())), "lines_by_kind": dict(sorted(kinds.items()))}


def _reminders_summary(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    keys = ("reminders", "unpaid_yen", "late", "fee_yen", "late_charges", "late_charge_yen", "fee_bills",
            "fee_billed_yen")
    return {"runs": len(runs), "days": [r["on"] for r in runs], **{k: sum(int(r.get(k) or 0) for r in runs)
                                                                    for k in keys}}


def readable_collection(c: dict[str, Any] | None) -> list[str]:
    if not c:
        return []
    p, r, f, a = c["payments"], c["reminders"], c["refunds"], c["arrears"]
    s = a["statistics"]
    return [
        f"  収納 FY: 納入通知書 printed {c['print_run']['notices']:,} ({c['print_run']['pages']:,} pages); payers: "
        + ", ".join(f"{k} {v}" for k, v in c["behaviours"].items()),
        f"    payment files {p['files']} ({p['lines']:,} lines: {p['lines_by_kind']}): applied {p['applied']:,} "
        f"({yen(p['applied_yen'])}) by {p['by_rule']}, unmatched {p['unmatched']}, failed debits {p['failed_debits']}",
        f"    督促 runs {r['runs']}: 督促状 {r['reminders']:,} (late {r['late']}), 延滞金 billed {r['late_charges']} "
        f"({yen(r['late_charge_yen'])}), 督促手数料 billed {yen(r['fee_billed_yen'])}",
        f"    refunds after the 更正: 充当 {f['appropriated']} ({yen(f['appropriated_yen'])}), 還付 {f['refunds']} "
        f"({yen(f['refund_yen'])}; held {f['held']}, accounts named through the API {f['accounts_named_through_api']}"
        f"); 総合振込 files " + (", ".join(f"{t['file_id']} ({t['transfers']} transfers, {yen(t['yen'])})"
                              for t in f["transfer_files"]) or "none (no refund ready)"),
        f"    滞納整理: 催告 run {a['demand_run']}, staff {a['staff_actions']} (entered late, approved by the 係長: "
        f"{a.get('late_entries_approved', 0)}), pledges missed {a['pledges_missed']}; "
        f"収納率 FY{s['fiscal_year']} (as of {s['as_of']}): 現年度分 {s['current_rate']} "
        f"({yen(s['current_collected'])} of {yen(s['current_due'])}), 滞納繰越分 {s['carried_over_rate']}",
        f"    決定通知書 printed {c['decision_notices']['notices']:,} ({c['decision_notices']['pages']:,} pages, "
        f"{c['decision_notices']['parts']} parts); 変更通知書 after the 更正 {c['change_notices']['notices']:,} "
        f"({c['change_notices']['pages']:,} pages); left out {c['change_notices']['left_out']}",
        f"    notices for a newcomer: {', '.join(c['notices'])}",
        f"    {c['executions']} workflow executions, {c['api']['calls']} API calls by {c['api']['staff']} "
        f"(access records {c['api']['access_records_written']}); the demo's own reads recorded "
        f"{c['demo_reads_recorded']}; {c['seconds']} s ({c['cpu_seconds']} CPU-s)",
    ]


class StaffApi:
    """A member of the collection section at a terminal: the private API over loopback HTTP (as the demo's API
    step), signed with the member's login session; every answer checked for My Numbers; calls counted."""

    def __init__(self, aws: Any, city: Any, fy: int) -> None:
        from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff
        from kokuho_local.local_api import LoopbackApi, api_function

        for staff_id, name, functions in (STAFF, CHIEF):
            put_staff(StaffMember(staff_id, name, "保険年金課", date(fy, 4, 1), None))
            for i, fn in enumerate(functions):
                put_grant(Grant(staff_id, f"G-COL-{i}", fn, STAFF_PURPOSE,
                                "国民健康保険法第79条の2・地方自治法第231条の3", "保険年金課", date(fy, 4, 1),
                                date(2099, 3, 31), "S0001", f"{fy}-04-01T09:00:00+09:00"))
        self.api = LoopbackApi(lambda event: dict(aws.invoke(api_function(event), event)))
        self.numbers = {p.my_number for h in city.households for p in h.persons}
        self.statuses: Counter[str] = Counter()

    def __call__(self, method: str, path: str, *, body: object = None, query: dict[str, str] | None = None,
                 staff_id: str = STAFF[0]) -> dict[str, Any]:
        resp = self.api.request(method, path, staff_id=staff_id, body=body, query=query)
        no_my_number(f"API response {method} {path}", resp.body, self.numbers)
        self.statuses[str(resp.status)] += 1
        if resp.status >= 400:
            raise SystemExit(f"API {method} {path}: {resp.status} {resp.body.get('error')}")
        return dict(resp.body)

    def summary(self) -> dict[str, Any]:
        from kokuho.access.records import records_by_staff

        records = [r for member in (STAFF[0], CHIEF[0]) for r in records_by_staff(member)]
        # A call may leave more than one record (a held refund's account asked of the 公金受取口座 registry
        # through the intermediate server is a read of its own beside the ledger's write): every call leaves one.
        return {"staff": STAFF[0], "calls": sum(self.statuses.values()), "status_codes": dict(sorted(
            self.statuses.items())), "access_records_written": len(records),
            "calls_recorded": len({r.api_request_id for r in records if r.api_request_id})}
