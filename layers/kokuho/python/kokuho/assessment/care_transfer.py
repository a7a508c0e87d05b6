"""移転先3: the premium data of a run's new versions goes to 介護保険課 — through the transfer service
(kokuho.linkage.transfers), under the department's approved data-use application, like every other
transfer. `LinkageCareTransfers` is the port's adapter over that service."""

from __future__ import annotations

from typing import Any

from kokuho.access.actor import Actor
from kokuho.assessment.ports import AssessmentStore, CareTransfers, RunRecord
from kokuho.assessment.run_input import actor
from kokuho.requests.suspension import declare_use

CARE_TRANSFER_NO = 3  # seed II-5 移転先3: 保健福祉局介護保険課, 保険料賦課情報


class LinkageCareTransfers:
    """CareTransfers through kokuho.linkage.transfers (matrix entry 3, the approved application)."""

    def describe(self) -> dict[str, Any]:
        from kokuho.linkage.transfers import load_matrix

        matrix = load_matrix()
        entry = next(e for e in matrix.entries if e.no == CARE_TRANSFER_NO)
        return {"transfer_no": entry.no, "department": entry.department,
                "information_kind": entry.information_kind, "uses": list(entry.uses),
                "legal_basis": list(matrix.legal_basis)}

    def transfer(self, count: int, actor: Actor, *, transfer_id: str, reference: str) -> str | None:
        from kokuho.linkage.transfers import TransferRefused, approved_application_id, record_transfer

        d = self.describe()
        try:
            record_transfer(d["department"], d["information_kind"], count,
                            approved_application_id(d["department"], d["information_kind"]),
                            actor, transfer_id=transfer_id, reference=reference)
        except TransferRefused as exc:
            return exc.reason
        return None


def care_transfer_id(run_id: str, versions: int) -> str:
    """`ASSESS-annual-2024-2024-06-N120`: the letter keeps the count apart — the run id ends in ten digits
    ("2024-2024-06"), and a count of two digits made twelve (a valid My Number one run in eleven)."""
    return f"ASSESS-{run_id}-N{versions}"


def transfer_to_care(store: AssessmentStore, transfers: CareTransfers, run: RunRecord, versions_written: int,
                     care_households: int, execution_id: str) -> dict[str, Any] | None:
    """The run's transfer to 介護保険課 (None when the run wrote no version).

    What a run has transferred is kept on the run: a rerun transfers only versions not yet transferred,
    under a transfer id derived from the run and its count, so a retried step records nothing twice.
    """
    if versions_written == 0:
        return None
    declare_use("transfers.care")  # 利用停止: the special collection of the premium goes on (the data says why)
    done = run.transferred
    out = {**transfers.describe(), "run_id": run.run_id, "count": versions_written,
           "care_households": care_households, "outcome": "transferred"}
    if versions_written > done:
        refused = transfers.transfer(versions_written - done, actor(execution_id),
                                     transfer_id=care_transfer_id(run.run_id, versions_written),
                                     reference=f"monthly-assessment:{run.run_id}")
        if refused is not None:
            # recorded as refused by the service; the run says so, and a rerun once the application
            # is approved transfers what is still owed
            return {**out, "count": done, "outcome": "refused", "reason": refused,
                    "not_transferred": versions_written - done}
        store.set_transferred(run.run_id, versions_written)
    return out
