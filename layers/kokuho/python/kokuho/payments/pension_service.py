"""特別徴収 on DynamoDB (kokuho.collection.pension_run): the daily pension run and the 依頼 file to the pension
insurer, with the DynamoDB collection store, the pensions the insurers notified (kokuho.records.pension_targets)
and the households' projected cases and 介護保険料 from the qualification file — each read recorded, each
write with its access record — under the run's system actor.

`run_pension_deduction(on=…, run_id=…)` is the whole day's work (what the `collection-pension` Lambda does):
callers such as the demo call it the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from kokuho.access.records import Actor
from kokuho.collection.pension_run import HouseholdFacts, facts_of_case, file_requests, run_pension
from kokuho.collection.ports import LedgerKey
from kokuho.payments import wiring
from kokuho.payments.service import exported
from kokuho.platform import exchange_subjects
from kokuho.requests.suspension import declare_use

STAFF_ID = "system:pension-run"
PURPOSE = "保険料の特別徴収 (国保法第76条の3)"
PENSION_CATEGORY = "年金情報"  # as the pension records' own reads and writes (kokuho.records.pension_targets)
CASE_CATEGORY = "premium"  # the household's projected case, as the assessment reads it
PREFIX = "outgoing/pension/"


class QualificationFacts:
    """The run's `Facts` on the qualification file (kokuho.qualification.application), reads recorded."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    def households(self, keys: Sequence[LedgerKey]) -> dict[LedgerKey, HouseholdFacts]:
        from kokuho.qualification import application

        out: dict[LedgerKey, HouseholdFacts] = {}
        for fy in sorted({fy for _, fy in keys}):
            ids = sorted({h for h, y in keys if y == fy})
            cases = application.wired().household_cases(ids, fy)
            for hid, case in cases.items():
                out[(hid, fy)] = facts_of_case(case, fy)
            subjects = [*(f"HH:{h}" for h in cases), *(m.person_id for (h, y), f in out.items() if y == fy
                                                       for m in f.members)]
            if subjects:
                application.record(self.actor, subjects, CASE_CATEGORY, "read", chain=f"pension#{fy}#cases")
        return out

    def care_premiums(self, person_ids: Sequence[str], fiscal_year: int) -> dict[str, int]:
        from kokuho.qualification import application

        return application.care_premiums(self.actor, list(person_ids), fiscal_year)


def _put(file_id: str, data: bytes) -> None:
    wiring.exchange_put(PREFIX, ".jsonl", "application/x-ndjson")(file_id, data)


def run_pension_deduction(*, on: date, run_id: str) -> dict[str, Any]:
    """The day's pension run (who is deducted, the ledger's deduction states, the stops), then the rows owed to
    the insurer in one 特別徴収依頼 file under outgoing/pension/ of the exchange bucket (its key returned)."""
    declare_use("collection.payments")  # 利用停止: 特別徴収 is a way of collecting under 国保法第76条の3
    actor = Actor(staff_id=STAFF_ID, terminal_id=run_id, purpose=PURPOSE)
    store, pensions = wiring.store(), wiring.pension_store()
    out = run_pension(store, QualificationFacts(actor), pensions, on=on, actor=actor)
    with exchange_subjects.collecting():  # the households of the file, recorded beside it (legal hold)
        filed = file_requests(store, pensions, on=on, actor=actor, put=_put,
                              record=exported(actor, PENSION_CATEGORY))  # whose 基礎年金番号 left in the file
    if filed["file_id"]:
        filed["key"] = f"{PREFIX}{filed['file_id']}.jsonl"
    return {**out, "request_file": filed}
