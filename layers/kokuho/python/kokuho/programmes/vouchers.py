"""特定健診受診券 on AWS (issue 13 item 8): the year's run, the acquisition hook, the attendance files and the 受診率.

- **The year's run** (`issue_year`, workflow `health-checkup-vouchers`, on the year's day of issue in April): every
  person insured that day who is 40–74 in the fiscal year (kokuho.health.vouchers) and holds no voucher of the year
  gets one, numbered from the year's counter, in transactions of BATCH with the access record of its persons. Run
  again, it issues only what is missing (a person who holds one is never given a second).
- **On acquisition** (`on_acquired`): the qualification file's one commit path (kokuho.qualification.registrations,
  registrations through the API and the city's files alike) hands each committed acquisition here; a joiner insured
  today and in the ages gets a voucher valid from today, after the year's day of issue (before it, the year's run
  covers them). Idempotent: put only if the person holds none of the year.
- **The attendance file** (受診データ, docs/health_programmes.md): delivered under `health/incoming/` of the exchange
  bucket, validated whole and applied once (kokuho.health.attendance), moved to `processed/health/` or
  `rejected/health/` with its reasons; then the year's 受診率 made again.
- **受診率** per ward (from the address) and age band (on 31 March): vouchers issued, used, rate — stored for the
  API, no person's data in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from kokuho.access.records import Actor, record_access
from kokuho.dates.fiscal_year import fiscal_year_of
from kokuho.dates.tokyo import today_jst
from kokuho.health.attendance import take_attendance_file
from kokuho.health.ports import HealthStore, Voucher, WriteConflict
from kokuho.health.rates import checkup_rates
from kokuho.health.vouchers import VoucherTermsError, draft, in_checkup_ages, terms_of
from kokuho.platform.exchange import list_delivered, move_out, read_delivered
from kokuho.platform.observability import get_logger
from kokuho.programmes import wiring
from kokuho.requests.suspension import declare_use

STAFF_ID = "system:checkup-voucher-run"
PURPOSE = "特定健康診査受診券の発行・受診の記録 (高齢者の医療の確保に関する法律第20条)"
USE = "health.checkup_vouchers"
READ_CATEGORY = "資格情報"
INCOMING, PROCESSED, REJECTED = "health/incoming/", "processed/health/", "rejected/health/"
BATCH = 40  # vouchers a transaction: the counter, each voucher and its person in the access record (≤ 100 items)
SUBJECTS_PER_RECORD = 100
logger = get_logger("health-vouchers")


def _issue(store: HealthStore, fiscal_year: int, drafts: Sequence[Voucher], actor: Any, chain: str,
           attempts: int = 5) -> list[Voucher]:
    """Issue in batches; a batch whose counter moved (another issuer) is read again and retried."""
    out: list[Voucher] = []
    for first in range(0, len(drafts), BATCH):
        batch = list(drafts[first:first + BATCH])
        for attempt in range(attempts):
            held = store.vouchers(fiscal_year, [d.person_id for d in batch])
            batch = [d for d in batch if d.person_id not in held]
            try:
                out += store.issue(fiscal_year, batch, actor=actor, chain=chain)
                break
            except WriteConflict:
                if attempt == attempts - 1:
                    raise
    return out


def issue_year(fiscal_year: int, *, run_id: str, on_the_day: bool = True, s3: Any | None = None) -> dict[str, Any]:
    """The year's issue (`on_the_day`: the scheduled run on the day of issue; else a catch-up by hand, whose
    vouchers are `catch-up` and handed out at the counter). The day's vouchers (`april`) are printed — all of them,
    so a rerun writes the same parts — under notices/JSK-FY<fy>-D<yyyymmdd>/ of the work bucket with the manifest."""
    declare_use(USE)  # 利用停止: the insurer must offer the check-up (the data names the law)
    terms = terms_of(fiscal_year)
    actor = Actor(staff_id=STAFF_ID, terminal_id=run_id, purpose=PURPOSE)
    chain = f"VOUCHERS#{fiscal_year}#run"
    persons = {p.person_id: p for p in wiring.all_persons()}
    ids = sorted(persons)
    for first in range(0, len(ids), SUBJECTS_PER_RECORD):
        record_access(actor, ids[first:first + SUBJECTS_PER_RECORD], READ_CATEGORY, "read", chain=chain)
    day = terms.issued_on
    eligible = sorted(p.person_id for p in persons.values()
                      if p.insured_on(day) and in_checkup_ages(p.birth_date, fiscal_year))
    store = wiring.health_store()
    held = store.vouchers(fiscal_year, eligible)
    source = "april" if on_the_day else "catch-up"
    drafts = [draft(p, terms, valid_from=day, source=source) for p in eligible if p not in held]
    issued = _issue(store, fiscal_year, drafts, actor, chain)
    printed = _print(fiscal_year, day, persons, store, actor, s3) if on_the_day else None
    rates = store_rates(fiscal_year, actor=actor)
    return {"fiscal_year": fiscal_year, "issued_on": day.isoformat(), "persons": len(persons),
            "eligible": len(eligible), "issued": len(issued), "already_held": len(held), "source": source,
            "printed": printed, "rates": rates["total"]}


def print_id_of(fiscal_year: int, day: date) -> str:
    """`JSK-FY2026-D20260415`: a letter before each number — "2026-20260415" held twelve digits (a valid My Number
    one day in ten), refused in a response and redacted from every log line."""
    return f"JSK-FY{fiscal_year}-D{day:%Y%m%d}"


def _print(fiscal_year: int, day: date, persons: dict[str, Any], store: HealthStore, actor: Actor,
           s3: Any | None) -> dict[str, Any]:
    from kokuho.notices import addressee_of
    from kokuho.notices.checkup_voucher import VoucherNotice
    from kokuho.notices.print_run import PREFIX, print_run
    from kokuho.payments.wiring import notice_writer

    print_id = print_id_of(fiscal_year, day)
    notices = [VoucherNotice(v, persons[v.person_id].name_kanji, persons[v.person_id].birth_date,
                             addressee_of(persons[v.person_id]))
               for v in store.vouchers_of_year(fiscal_year) if v.source == "april" and v.person_id in persons]
    put, record = notice_writer(actor, s3)
    manifest = print_run(print_id, notices, put=put, record=record)
    return {"print_id": print_id, "manifest": f"{PREFIX}{print_id}/manifest.json", "notices": manifest["notices"],
            "pages": manifest["pages"]}


def on_acquired(acquired: Iterable[tuple[Any, date]], today: date, actor: Any) -> list[Voucher]:
    """A voucher for each joiner (the person as committed, the acquisition date) insured today and in the ages,
    once the year's day of issue has passed; nothing for anyone else."""
    fiscal_year = fiscal_year_of(today)
    try:
        terms = terms_of(fiscal_year)
    except VoucherTermsError:
        return []  # no terms for the year in the data: the year's run issues once they are
    if today < terms.issued_on or today > terms.valid_until:
        return []
    wanted = sorted({p.person_id for p, _ in acquired
                     if p.insured_on(today) and in_checkup_ages(p.birth_date, fiscal_year)})
    if not wanted:
        return []
    declare_use(USE)
    drafts = [draft(p, terms, valid_from=today, source="acquisition") for p in wanted]
    return _issue(wiring.health_store(), fiscal_year, drafts, actor, f"STAFF#{getattr(actor, 'staff_id', 'unknown')}")


def after_commit(change: Any, today: date, actor: Any) -> None:
    """The hook of the qualification file's commit (kokuho.qualification.registrations.AFTER_COMMIT): the change's
    acquisitions, if any, to on_acquired. The registration is committed already: a failure here is logged, not
    raised (the clerk's registration stands); running the year's run again issues what is missing."""
    acquired = [(change.persons[pid], e.effective_on) for pid, e in change.person_entries
                if e.kind == "acquire" and pid in change.persons]
    if not acquired:
        return
    try:
        on_acquired(acquired, today, actor)
    except Exception as exc:  # noqa: BLE001 — the registration stands; the year's run catches up
        logger.error("voucher on acquisition not issued", extra={"persons": len(acquired),
                                                                 "error_type": type(exc).__name__})


# --- the attendance file and the 受診率 -------------------------------------------------------------------

def take_attendance_object(s3: Any, bucket: str, key: str, *, run_id: str) -> dict[str, Any]:
    declare_use(USE)
    actor = Actor(staff_id=STAFF_ID, terminal_id=run_id, purpose=PURPOSE)
    data = read_delivered(s3, bucket, key)
    out = take_attendance_file(wiring.health_store(), data, key=key, actor=actor, chain=f"ATTENDANCE#{run_id}",
                               received_on=today_jst())
    if out["accepted"] and not out.get("duplicate"):
        for fy in sorted({int(k) for k in out.get("fiscal_years", [])}):
            store_rates(fy, actor=actor)
    if not key.startswith(INCOMING):
        return out
    if out["accepted"]:
        return {**out, "moved_to": move_out(s3, bucket, key, INCOMING, PROCESSED)}
    reason = {"key": key, "rejected_at": datetime.now(UTC).isoformat(timespec="seconds"), "errors": out["errors"]}
    return {**out, "moved_to": move_out(s3, bucket, key, INCOMING, REJECTED, reason)}


def take_delivered(s3: Any, bucket: str, *, run_id: str) -> dict[str, Any]:
    """Every attendance file delivered, one at a time in key order."""
    files = [take_attendance_object(s3, bucket, k, run_id=run_id) for k in list_delivered(s3, bucket, INCOMING)]
    return {"files": len(files), "accepted": sum(1 for f in files if f["accepted"]),
            "refused": [f["key"] for f in files if not f["accepted"]],
            "duplicates": sum(1 for f in files if f.get("duplicate")),
            "marked": sum(int(f.get("marked", 0)) for f in files if not f.get("duplicate"))}


def store_rates(fiscal_year: int, *, actor: Any) -> dict[str, Any]:
    """Make the year's 受診率 from every voucher of the year and its person's address and birth date (read,
    recorded), and store it for the API."""
    store = wiring.health_store()
    vouchers = store.vouchers_of_year(fiscal_year)
    ids = sorted({v.person_id for v in vouchers})
    persons: dict[str, Any] = {}
    chain = f"VOUCHERS#{fiscal_year}#rates"
    for first in range(0, len(ids), SUBJECTS_PER_RECORD):
        part = ids[first:first + SUBJECTS_PER_RECORD]
        persons.update(wiring.persons(part))
        record_access(actor, part, READ_CATEGORY, "read", chain=chain)
    store.record_reads(ids, actor=actor, chain=chain)
    doc = {**checkup_rates(fiscal_year, vouchers, persons), "made_at": datetime.now(UTC).isoformat(timespec="seconds")}
    store.put_rates(fiscal_year, doc)
    return doc
