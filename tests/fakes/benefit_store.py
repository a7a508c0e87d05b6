"""In-memory fake of the benefit run's port (kokuho.benefits.benefit_ports.BenefitStore) for the unit tests: the same
conditional, all-or-nothing commit as the adapter, no moto. A test builds the city with `household`, `income` and
`receipt`, and may cut a run short after a number of commits (`fail_after_commits`)."""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from datetime import date
from typing import Any

from kokuho.benefits.benefit_month import counts_of_version
from kokuho.benefits.benefit_ports import (
    HouseholdFacts,
    MemberSpan,
    NewVersion,
    Pointer,
    RunRecord,
    WriteConflict,
    label,
)
from kokuho.benefits.receipt_file import Month
from kokuho.benefits.receipt_ports import InsuredPeriod, StoredReceipt


class InMemoryBenefitStore:
    def __init__(self) -> None:
        self.households: dict[str, tuple[str, list[MemberSpan]]] = {}
        self.incomes: dict[int, dict[str, dict[str, Any]]] = {}
        self.receipts: dict[str, dict[Month, list[StoredReceipt]]] = {}
        self.carried: dict[str, set[str]] = {}
        self.moved: dict[str, set[str]] = {}
        self.versions: dict[tuple[str, str], list[NewVersion]] = {}
        self.runs: dict[str, RunRecord] = {}
        self.batches: dict[tuple[str, str], list[str]] = {}
        self.saved: dict[str, dict[str, dict[str, Any]]] = {}
        self.access: list[tuple[Any, list[str], str]] = []  # (actor, persons, operation)
        self.commits = 0
        self.fail_after_commits: int | None = None

    # --- building the city -------------------------------------------------------------------------
    def household(self, household_id: str, householder: str, *members: tuple[str, str], joined: str = "2020-04-01",
                  insured_from: str = "2020-04-01", until: str | None = None) -> None:
        """members: (person id, birth date); all joined and insured from the given days."""
        spans = [MemberSpan(p, date.fromisoformat(b), date.fromisoformat(joined), None,
                            (InsuredPeriod(date.fromisoformat(insured_from),
                                           date.fromisoformat(until) if until else None),))
                 for p, b in members]
        self.households[household_id] = (householder, spans)

    def income(self, fiscal_year: int, person: str, total: int, **kw: Any) -> None:
        self.incomes.setdefault(fiscal_year, {})[person] = {
            "total": total, "salary": kw.pop("salary", total), "pension": kw.pop("pension", 0), "declared": True, **kw}

    def receipt(self, person: str, month: Month, copay: int, *, setting: str = "outpatient", total: int | None = None,
                provider: str = "4010000001") -> None:
        total = total if total is not None else copay * 10 // 3
        self.receipts.setdefault(person, {}).setdefault(month, []).append(
            StoredReceipt(provider, setting, total // 10, total, copay, "digest", 1))

    # --- the port ----------------------------------------------------------------------------------
    def start_pass(self, run_id: str, *, run_month: str, execution_name: str) -> int:
        run = self.runs.setdefault(run_id, RunRecord(run_id, run_month))
        run.passes += 1
        return run.passes

    def put_batches(self, run_id: str, batches: Sequence[tuple[str, list[str]]]) -> None:
        self.runs[run_id].batches = [b for b, _ in batches]
        for b, ids in batches:
            self.batches[(run_id, b)] = list(ids)

    def batch_households(self, run_id: str, batch_id: str) -> list[str]:
        return list(self.batches[(run_id, batch_id)])

    def save_outcome(self, run_id: str, batch_id: str, outcome: dict[str, Any]) -> None:
        self.saved.setdefault(run_id, {})[batch_id] = deepcopy(outcome)

    def outcomes(self, run_id: str) -> dict[str, dict[str, Any]]:
        return deepcopy(self.saved.get(run_id, {}))

    def get_run(self, run_id: str) -> RunRecord:
        return self.runs[run_id]

    def finish_run(self, run_id: str, *, status: str, summary: dict[str, Any]) -> None:
        self.runs[run_id].status, self.runs[run_id].summary = status, summary

    def _household_of(self, person: str) -> str | None:
        return next((h for h, (_, spans) in self.households.items() if any(s.person_id == person for s in spans)),
                    None)

    def households_with_receipts(self, first: Month, last: Month, *, actor: Any, chain: str) -> list[str]:
        persons = sorted(p for p, months in self.receipts.items() if any(first <= m <= last for m in months))
        self.record_reads(persons, actor=actor, chain=chain)
        found = {self._household_of(p) for p in persons}
        return sorted(h for h in found if h is not None)

    def household_facts(self, household_ids: Sequence[str], first: Month, last: Month) -> dict[str, HouseholdFacts]:
        out = {}
        for h in household_ids:
            if h not in self.households:
                continue
            householder, spans = self.households[h]
            persons = {s.person_id for s in spans} | {householder}
            latest = {}
            for (hh, month), vs in self.versions.items():
                if hh == h and vs:
                    v = vs[-1]
                    latest[month] = Pointer(v.version, v.input_hash, v.doc["run_id"], v.benefit, v.difference,
                                            _counts(v))
            out[h] = HouseholdFacts(
                h, householder, tuple(spans),
                {fy: {p: dict(i) for p, i in by.items() if p in persons} for fy, by in self.incomes.items()},
                {p: {m: tuple(rs) for m, rs in self.receipts.get(p, {}).items() if first <= m <= last}
                 for p in persons},
                frozenset(self.carried.get(h, set())), frozenset(self.moved.get(h, set())), latest)
        return out

    def record_reads(self, person_ids: Sequence[str], *, actor: Any, chain: str) -> None:
        if person_ids:
            self.access.append((actor, list(person_ids), "read"))

    def commit(self, versions: Sequence[NewVersion], *, persons: Sequence[str], actor: Any, chain: str) -> None:
        if self.fail_after_commits is not None and self.commits >= self.fail_after_commits:
            raise RuntimeError("run cut short")
        for v in versions:
            stored = self.versions.get((v.household_id, v.service_month), [])
            if (stored[-1].version if stored else 0) != v.version - 1:
                raise WriteConflict("the month's latest version moved")
        for v in versions:
            self.versions.setdefault((v.household_id, v.service_month), []).append(v)
        self.commits += 1
        self.access.append((actor, list(persons), "write"))

    def version_docs(self, household_id: str, month: str) -> list[dict[str, Any]]:
        return [v.doc for v in self.versions.get((household_id, month), [])]

    def benefit_months(self, household_id: str) -> list[str]:
        return sorted(m for (h, m), vs in self.versions.items() if h == household_id and vs and _counts(vs[-1]))


def _counts(v: NewVersion) -> bool:
    """As the adapter: the flag the version was written with, else judged from its doc."""
    if v.counts is not None:
        return v.benefit > 0 and v.counts
    return counts_of_version(v.doc, v.benefit)


def month(text: str) -> Month:
    return int(text[:4]), int(text[5:7])


__all__ = ["InMemoryBenefitStore", "label", "month"]
