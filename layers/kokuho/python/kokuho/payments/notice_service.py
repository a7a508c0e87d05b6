"""The print run of the 納入通知書 after the annual run (issue 12 item 8) on AWS: every ledger of a fiscal year,
as charged by the assessment's current version, addressed to its payer's 送付先 from the qualification file,
rendered in parts into the encrypted work bucket with the print manifest (kokuho.notices.print_run). Each
part's access record is written before the part (kokuho.records.notice_files.notice_recorder); the names and
addresses read are recorded as reads.

The print id is the fiscal year and the day of issue (NOZ-FY2024-D20240615), not the execution: a retry or a
second execution for the same day writes the same parts (the same bytes) and no second record of them.

The run issues the slips it prints: each slip's 納付番号 is stored (kokuho.collection.ports.put_slips; derived
numbers, so a rerun stores the same) before any part is written, so a number a payer can hold is one the
payment intake knows (matched to its installment, not queued as unknown)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from kokuho.access.records import Actor, record_access
from kokuho.collection.ledger import ledger_state
from kokuho.collection.slips import slips_of
from kokuho.notices import PaymentNotice, addressee_of
from kokuho.notices.print_run import PER_PART, PREFIX, print_run
from kokuho.payments import wiring
from kokuho.qualification import application
from kokuho.requests.suspension import declare_use

STAFF_ID = "system:notice-run"
PURPOSE = "保険料の納入の通知 (国保法第76条・地方税法第703条の4 / 地方自治法第231条)"
READ_CATEGORY = "資格情報"  # the payer's name and 送付先, read to address the notice
SUBJECTS_PER_RECORD = 100


def print_id_of(fiscal_year: int, issued_on: date) -> str:
    """`NOZ-FY2024-D20240615`: a letter before each number — "2024-20240615" held twelve digits (a valid My Number
    one day in ten), refused in a response and redacted from every log line."""
    return f"NOZ-FY{fiscal_year}-D{issued_on:%Y%m%d}"


def read_payers(payer_ids: Sequence[str], actor: Actor, chain: str) -> dict[str, Any]:
    """The payers' names and 送付先 from the qualification file (their reads recorded)."""
    out: dict[str, Any] = {}
    for first in range(0, len(payer_ids), SUBJECTS_PER_RECORD):
        part = list(payer_ids[first:first + SUBJECTS_PER_RECORD])
        out.update(application.wired().persons(part))
        record_access(actor, part, READ_CATEGORY, "read", chain=chain)
    return out


def print_payment_notices(*, fiscal_year: int, issued_on: date, run_id: str, per_part: int = PER_PART,
                          s3: Any | None = None) -> dict[str, Any]:
    """Every ledger of `fiscal_year` as a 納入通知書 (slips of what is unpaid on `issued_on`), in parts; a ledger
    whose payer the qualification file does not hold is left out and counted (never printed unaddressed)."""
    declare_use("collection.notices")  # 利用停止: the notice of the premium is owed by law (the data says which)
    print_id = print_id_of(fiscal_year, issued_on)
    actor = Actor(staff_id=STAFF_ID, terminal_id=run_id, purpose=PURPOSE)
    store = wiring.store()
    ledgers = sorted((lg for lg in store.all_ledgers() if lg.key[1] == fiscal_year),
                     key=lambda lg: lg.key)  # a fixed order: a rerun writes the same parts
    payers = read_payers(sorted({lg.charge.payer_id for lg in ledgers}), actor, f"NOTICES#{print_id}#payers")
    notices, unaddressed = [], []
    for lg in ledgers:
        payer = payers.get(lg.charge.payer_id)
        if payer is None:
            unaddressed.append(lg.key[0])
            continue
        state = ledger_state(lg.charge, lg.payments, lg.disbursements, as_of=issued_on)
        notices.append(PaymentNotice(lg.charge, payer.name_kanji, addressee_of(payer), issued_on, state=state))
    store.put_slips([s for n in notices for s in slips_of(n.charge, n.state)])
    put, record = wiring.notice_writer(actor, s3)
    manifest = print_run(print_id, notices, put=put, record=record, per_part=per_part)
    return {"print_id": print_id, "fiscal_year": fiscal_year, "issued_on": issued_on.isoformat(),
            "manifest": f"{PREFIX}{print_id}/manifest.json", "notices": manifest["notices"],
            "pages": manifest["pages"], "parts": len(manifest["parts"]), "unaddressed": len(unaddressed),
            "unaddressed_households": unaddressed[:20]}
