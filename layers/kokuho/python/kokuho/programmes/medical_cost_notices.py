"""The print run of the 医療費通知 (issue 13 item 7) on AWS: for a round of the periods data
(kokuho.health.periods), every person with a receipt of the round's service months gets one notice — per month,
provider and setting, the total cost and the copay — addressed to the 送付先, rendered in parts into the
encrypted work bucket with the print manifest (kokuho.notices.print_run, as the 納入通知書). Left out and counted:
a person who opted out (recorded through the private API, kokuho.programmes.routes), whose 利用停止 stops the use,
or who is not on the qualification file.

Recorded: the receipts read (レセプト情報), the opt-outs read (保健事業), the names and 送付先 read (資格情報), and each
part before it is stored (通知書, kokuho.payments.wiring.notice_writer). The print id is the round and the
day of issue: a rerun writes the same parts and no second record of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from kokuho.access.records import Actor, record_access
from kokuho.benefits.receipt_ports import RECEIPT_CATEGORY
from kokuho.health.medical_costs import cost_lines
from kokuho.health.periods import NoticeRound
from kokuho.notices import addressee_of
from kokuho.notices.medical_cost import MedicalCostNotice
from kokuho.notices.print_run import PER_PART, PREFIX, print_run
from kokuho.payments.wiring import notice_writer
from kokuho.programmes import wiring
from kokuho.requests.suspension import partition_use

STAFF_ID = "system:medical-cost-notice-run"
PURPOSE = "医療費通知 (国民健康保険法第82条 保健事業: 被保険者への医療費の通知)"
USE = "health.medical_cost_notices"
READ_CATEGORY = "資格情報"  # the person's name and 送付先, read to address the notice
SUBJECTS_PER_RECORD = 100


def _label(m: tuple[int, int]) -> str:
    return f"{m[0]:04d}-{m[1]:02d}"


def persons_with_receipts(notice_round: NoticeRound) -> list[str]:
    """Every person with a stored receipt of the round's service months (the receipts table's person-months)."""
    first, last = _label(notice_round.first_month), _label(notice_round.last_month)
    return wiring.persons_with_receipt_months(first, last)


def _chunks(ids: Sequence[str]) -> list[list[str]]:
    return [list(ids[i:i + SUBJECTS_PER_RECORD]) for i in range(0, len(ids), SUBJECTS_PER_RECORD)]


def print_medical_cost_notices(notice_round: NoticeRound, *, run_id: str, per_part: int = PER_PART,
                               s3: Any | None = None) -> dict[str, Any]:
    actor = Actor(staff_id=STAFF_ID, terminal_id=run_id, purpose=PURPOSE)
    print_id = notice_round.print_id
    chain = f"NOTICES#{print_id}#reads"
    everyone = persons_with_receipts(notice_round)
    going, suspended = partition_use(USE, everyone)  # 利用停止: the notice is not sent (the use stops)
    health = wiring.health_store()
    opted = health.opt_outs(going)
    health.record_reads(sorted(opted), actor=actor, chain=chain)
    wanted = [p for p in going if not (p in opted and opted[p].opted_out)]
    receipts, persons = wiring.receipt_store(), {}

    months: dict[str, list[Any]] = {}
    for part in _chunks(wanted):
        found = receipts.person_months([(p, m) for p in part for m in notice_round.months()])
        for (p, _), pm in sorted(found.items()):
            months.setdefault(p, []).append(pm)
        record_access(actor, part, RECEIPT_CATEGORY, "read", chain=chain)
        persons.update(wiring.persons(part))
        record_access(actor, part, READ_CATEGORY, "read", chain=chain)
    notices, unaddressed = [], []
    for p in wanted:
        person = persons.get(p)
        if person is None:
            unaddressed.append(p)
            continue
        lines = cost_lines(months.get(p, []), notice_round)
        if lines:
            notices.append(MedicalCostNotice(p, person.name_kanji, addressee_of(person), notice_round.issued_on,
                                             notice_round, lines))
    put, record = notice_writer(actor, s3)
    manifest = print_run(print_id, notices, put=put, record=record, per_part=per_part)
    return {"print_id": print_id, "fiscal_year": notice_round.fiscal_year, "round": notice_round.round,
            "issued_on": notice_round.issued_on.isoformat(), "manifest": f"{PREFIX}{print_id}/manifest.json",
            "notices": manifest["notices"], "pages": manifest["pages"], "parts": len(manifest["parts"]),
            "opted_out": len(going) - len(wanted), "suspended": len(suspended), "unaddressed": len(unaddressed)}


def nothing_due(on: date) -> dict[str, Any]:
    return {"print_id": None, "issued_on": on.isoformat(), "notices": 0, "reason": "no round is issued on this day"}
