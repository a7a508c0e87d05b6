"""The day each table class of kokuho/data/retention counts from (pure): a record due on that day plus its
period (kokuho.retention.classes.decide). None: the record's right is still open — it is kept whatever
the period."""

from __future__ import annotations

from datetime import date, timedelta

from kokuho.benefits.kogaku import MULTIPLE_WINDOW_MONTHS
from kokuho.benefits.payment import PaymentRules, RecoveryClaim, claim_state
from kokuho.collection.arrears import PAID, applied_by_installment, arrears_view
from kokuho.collection.ports import StoredLedger
from kokuho.retention.table_ports import ContinuityFacts, HouseholdMonth, PersonFacts


def month_right_day(month: str) -> date:
    """A service month's benefit right arises on the first day of the next month (kokuho.benefits.payment:
    the copay is borne by the month's end): a receipt or benefit version of March 2024 counts from 1 April."""
    y, m = int(month[:4]), int(month[5:7])
    return date(y + m // 12, m % 12 + 1, 1)


# A month's benefit items and receipts are history for the months after it: the 多数回 count reads the 11 months
# before a month, the 一般 70–74 yearly outpatient cap the months since August (at most 11 before); the monthly
# benefit run decides every month of its window again from them.
HISTORY_MONTHS = MULTIPLE_WINDOW_MONTHS


def benefit_month_day(facts: str | HouseholdMonth) -> date:
    """The day a person's receipts of a month, or a household-month's benefit items, count from: the right of the
    last month that reads them as history (11 months on) — deleted 2 years after the month's own right, the window's
    first months decided again without them lost their 多数回 (a 返還金 claim of money rightly paid)."""
    month = facts.month if isinstance(facts, HouseholdMonth) else facts
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + HISTORY_MONTHS
    return month_right_day(f"{index // 12:04d}-{index % 12 + 1:02d}")


def benefit_still_claimed(facts: str | HouseholdMonth) -> bool:
    """A household-month whose benefit is still owed on a claim made in time (kokuho.benefits.payment.still_owed)
    keeps its right past the 2 years: its versions stay for the payment run (its receipts may go: nothing pays from
    them once the month is closed to the benefit run)."""
    return isinstance(facts, HouseholdMonth) and facts.still_owed()


def claim_closed_day(claim: RecoveryClaim, today: date, rules: PaymentRules) -> date | None:
    """A 返還金 claim counts from the day it was repaid in full, or the day after its 5-year right ended
    (written off); open otherwise."""
    state = claim_state(claim, today, rules)
    if state.status == PAID:
        total, paid_on = 0, None
        for day, amount in sorted(claim.repayments):
            total += amount
            if total >= claim.amount:
                paid_on = date.fromisoformat(day)
                break
        return paid_on or date.fromisoformat(claim.created_on)  # a claim of 0 yen: settled when made
    if state.limitation is not None and state.limitation.extinguished(today):
        return state.limitation.last_day + timedelta(days=1)
    return None


def ledger_closed_day(ledger: StoredLedger, today: date) -> date | None:
    """A household's ledger of a fiscal year counts from the day after the last of its installments' rights to
    collect ended: paid in full (the day after the payment that completed it) or extinguished by 時効 (the day
    after its last day, renewals by 督促, payment and pledge counted: kokuho.collection.arrears). Open while an
    installment's right lasts or the ledger holds more than it charged and was not paid out (a refund owed)."""
    paid_total = sum(p.amount for p in ledger.payments)
    if paid_total > ledger.charge.annual + sum(d.amount for d in ledger.disbursements):
        return None  # an overpayment still owed to the payer (還付・充当)
    if not ledger.charge.installments:
        return date(ledger.charge.fiscal_year + 1, 4, 1)  # nothing charged: the fiscal year's end
    applied = applied_by_installment(ledger)
    view = arrears_view(ledger, today)
    last = date.min
    for inst in view.installments:
        if inst.status == PAID:
            running, done = 0, None
            for day, amount in sorted(applied[inst.number]):
                running += amount
                if running >= inst.amount:
                    done = day
                    break
            ended = (done or inst.due) + timedelta(days=1)
        elif inst.limitation is not None and inst.limitation.extinguished(today):
            ended = inst.limitation.last_day + timedelta(days=1)
        else:
            return None
        last = max(last, ended)
    return last


def person_past_day(facts: PersonFacts) -> date | None:
    """A past insured person (or past 擬制世帯主) counts from the last loss of qualification among their own
    periods and those of the members of households they head; kept while any of those periods is open, while
    a record that may still be claimed names them, and when they never had one (not a person of this class)."""
    periods = facts.periods + facts.headed
    if facts.referenced or not periods or any(until is None for _, until in periods):
        return None
    return max(until for _, until in periods if until is not None)


def continuity_day(facts: ContinuityFacts) -> date | None:
    """A 資格継続 period the federation reported counts from its loss — or, still open there (the person insured at
    another municipality), from the day its file was applied; kept while its person is in the information file
    (it goes after them: past-insured-persons) and when the day is unknown."""
    if facts.in_file:
        return None
    return facts.lost_on or facts.applied_on
