"""The retention classes kept in tables (kokuho/data/retention): benefit rights (receipts and benefit months,
2 years from the right), 返還金 claims (5 years from settlement or write-off), premium ledgers (2 years from the
end of their installments' rights, domain.md §6) and past insured persons and past 擬制世帯主 (5 years from the
last loss of qualification, once nothing that may still be claimed names them), and the 国保連合会's items in the
federation table: the 高額該当 months a move carried over (as the city's own benefit months) and the 資格継続
periods it reported (5 years from their loss, once their person left the file). Each record is decided by
kokuho.retention.classes.decide from the day of kokuho.retention.table_rules; storage is the port
kokuho.retention.table_ports.RetentionTables."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from datetime import date
from typing import Any

from kokuho.benefits.payment import load_rules
from kokuho.retention.classes import decide, retention_class
from kokuho.retention.table_ports import Candidate, RetentionTables
from kokuho.retention.table_rules import (
    benefit_month_day,
    benefit_still_claimed,
    claim_closed_day,
    continuity_day,
    ledger_closed_day,
    person_past_day,
)

BENEFITS, CLAIMS, PREMIUMS, PERSONS = ("benefit-rights", "unjust-enrichment-claims", "premium-collection",
                                       "past-insured-persons")
CARRIED, CONTINUITY = "carried-over-benefit-months", "federation-continuity"  # the federation table's
CLASSES = (BENEFITS, CLAIMS, PREMIUMS, PERSONS, CARRIED, CONTINUITY)


def _sources(tables: RetentionTables, today: date) -> dict[str, tuple[Callable[[], Iterator[Candidate]],
                                                                     Callable[[Any], date | None]]]:
    rules = load_rules()
    return {
        BENEFITS: (tables.benefit_months, benefit_month_day),
        CLAIMS: (tables.recovery_claims, lambda c: claim_closed_day(c, today, rules)),
        PREMIUMS: (tables.ledgers, lambda ledger: ledger_closed_day(ledger, today)),
        PERSONS: (tables.persons, person_past_day),
        CARRIED: (tables.carried_over_months, benefit_month_day),  # read as history as the city's own months
        CONTINUITY: (tables.continuity_periods, continuity_day),
    }


# The vault's side of a person's deletion: the persons whose My Numbers go with them → how many numbers went.
Forget = Callable[[list[str]], int]
PERSONS_BATCH = 500  # persons handed to the vault at once, then deleted from the file


def purge_class(class_id: str, today: date, *, tables: RetentionTables, dry_run: bool,
                holds: Collection[str] = (), forget: Forget | None = None) -> dict[str, int]:
    """Delete (count only, on a dry run) what of one table class is due: {"due", "held"} — and for persons
    their My Numbers first (`forget`: the vault, the only holder of the numbers; "numbers") and the households
    left without a member ("households"). A person is deleted from the file only once the vault has forgotten
    their number: a failure keeps them for the next run, never a number without its person."""
    cls = retention_class(class_id)
    candidates, day_of = _sources(tables, today)[class_id]
    due = held = numbers = 0
    waiting: list[Candidate] = []

    def flush() -> int:
        gone = forget([c.persons[0] for c in waiting]) if forget is not None and waiting else 0
        for c in waiting:
            tables.delete(c.keys)
        waiting.clear()
        return gone

    for c in candidates():
        day = day_of(c.facts)
        if day is None:
            continue
        decision = decide(cls, day, today, c.persons, holds)
        if decision == "delete" and class_id == BENEFITS and benefit_still_claimed(c.facts):
            continue  # claimed in time, not yet paid: the right is open (kept, not due)
        if decision == "held":
            held += 1
        elif decision == "delete":
            due += 1
            if dry_run:
                continue
            if class_id != PERSONS:
                tables.delete(c.keys)
                continue
            waiting.append(c)
            if len(waiting) >= PERSONS_BATCH:
                numbers += flush()
    if class_id == PERSONS and not dry_run:
        numbers += flush()
    out = {"due": due, "held": held}
    if class_id == PERSONS and not dry_run:
        out["numbers"] = numbers
        households = list(tables.orphan_households())
        for h in households:
            tables.delete(h.keys)
        out["households"] = len(households)
    return out
