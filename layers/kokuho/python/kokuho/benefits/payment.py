"""Paying the 高額療養費 and recovering what was paid without right (issue 13 items 4 and 6; docs/benefit_payment.md).
Pure: no AWS. The run against storage is `kokuho.benefits.payment_run`.

A household-month is owed what its latest benefit version decides, less what was paid for it, plus what was
claimed back from it (`due = entitled − paid + claimed`):
- due > 0 and the month applied for (or the city's 申請省略 and an earlier application) and no 差止 covering it →
  a payment (to the application's account, else the 公金受取口座, else it waits for an account); with the payer's
  recorded consent, first offset against the householder's unpaid premiums (oldest due first);
- due > 0 and no application → a 支給申請勧奨 (once per version of the month);
- due > 0 and a 差止 (国保法 第63条の2: a decision staff record, never automatic) → withheld;
- due < 0 → a 返還金 claim of the difference (a lower version, or nobody of the month still insured in it).
Entitlement comes from the qualification history as it is now: when no member whose bills the version counted is
insured in the month any more (a retroactive loss), the month was paid without right and its entitlement is 0; when
only some are, nothing more is paid until the monthly run decides the month again (`awaiting`).

Ids derive from the household, the month and how many payments and claims the month already has, so a rerun or a
retried step plans the same ids and storage refuses an id taken twice: a benefit is paid once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from importlib import resources
from typing import Any

from kokuho.benefits.late_entry import LateEntry
from kokuho.collection.arrears import CURRENT, OVERDUE, PAID, Limitation, limitation_of, years_later
from kokuho.collection.ports import LedgerKey, RefundAccount, account_key


@dataclass(frozen=True)
class PaymentRules:
    application_omission: bool  # 申請省略: an earlier application stands for later months
    claim_due_days: int  # 返還請求の納期限: days after the claim
    claim_limit_years: int  # 地方自治法 第236条


def load_rules() -> PaymentRules:
    raw = json.loads(resources.files("kokuho.data").joinpath("benefits/payment_rules.v1.json").read_text("utf-8"))
    return PaymentRules(bool(raw["application_omission"]), int(raw["claim_due_days"]), int(raw["claim_limit_years"]))


@dataclass(frozen=True)
class Application:
    """支給申請 of a household: the months it names, where to pay (None: the 公金受取口座), the payer's consent to
    offset the benefit against unpaid premiums."""

    application_id: str
    household_id: str
    months: tuple[str, ...]
    received_on: date
    account: RefundAccount | None
    offset_consent: bool
    staff_id: str
    late: LateEntry | None = None  # entered late: held for a second member's approval (kokuho.benefits.late_entry)

    @property
    def in_force(self) -> bool:
        """Read by the payment run: not held for approval, or approved."""
        return self.late is None or self.late.in_force


def in_force(applications: Iterable[Application]) -> list[Application]:
    """The applications the payment run reads: one held for approval, or refused, is none."""
    return [a for a in applications if a.in_force]


@dataclass(frozen=True)
class Withholding:
    """差止 (国保法 第63条の2): a decision staff record to withhold the household's benefit — of the months named, or
    of every month when none is — until it is lifted."""

    decision_id: str
    household_id: str
    months: tuple[str, ...]
    decided_on: date
    basis: str
    staff_id: str
    lifted_on: date | None = None

    def lift(self, on: date) -> Withholding:
        """The decision lifted on `on`. A lift dated before the decision would make it never have been in force,
        releasing what it withheld back to the start: refused."""
        if on < self.decided_on:
            raise ValueError(f"on: a 差止 is lifted on or after the day it was decided ({self.decided_on.isoformat()})")
        return replace(self, lifted_on=on)

    def covers(self, month: str, on: date) -> bool:
        active = self.decided_on <= on and (self.lifted_on is None or on < self.lifted_on)
        return active and (not self.months or month in self.months)


@dataclass(frozen=True)
class Offset:
    """Part of a payment that pays an installment of the payer's premiums (充当, with consent)."""

    ledger: LedgerKey
    installment: int
    amount: int
    payment_id: str  # the ledger payment's id (applied once)


@dataclass(frozen=True)
class BenefitPayment:
    payment_id: str
    household_id: str
    month: str
    amount: int  # what the month is paid: the transfer plus the offsets
    version: int  # the benefit version paid against
    created_on: str
    payee_id: str  # the householder (世帯主: the benefit is the householder's, 国保法 第57条の2)
    account: RefundAccount | None
    application_id: str
    offsets: tuple[Offset, ...] = ()
    status: str = "ready"  # ready | filed | offset (nothing left to transfer) | returned (振込不能)
    file_id: str | None = None
    # 振込不能 (kokuho.collection.transfer_returns): the bank's notice, with the account it could not pay into
    returns: tuple[dict[str, Any], ...] = ()

    @property
    def transfer(self) -> int:
        return self.amount - sum(o.amount for o in self.offsets)

    @property
    def paid(self) -> int:
        """What the month was paid by it: a transfer the bank could not make paid nothing (its offsets stand)."""
        return self.amount - self.transfer if self.status == "returned" else self.amount


def failed_accounts(payments: Iterable[BenefitPayment]) -> list[dict[str, str]]:
    """The accounts the bank could not pay into (振込不能): never tried again."""
    return [r["account"] for p in payments for r in p.returns if r.get("account")]


@dataclass(frozen=True)
class RecoveryClaim:
    """返還金: a benefit paid without right, claimed back from the householder; tracked like arrears (due date,
    repayments, the 5-year right)."""

    claim_id: str
    household_id: str
    month: str
    amount: int
    version: int
    created_on: str
    due: str  # 納期限 YYYY-MM-DD
    debtor_id: str
    reason: str
    persons: tuple[str, ...] = ()  # members no longer insured in the month (the cause), if that is the cause
    repayments: tuple[tuple[str, int], ...] = ()  # (day, yen)

    def repaid(self, on: date, amount: int) -> RecoveryClaim:
        """The claim after a repayment of `amount` yen paid on `on`. Refused (ValueError naming the field): a day before
        the claim was made — money cannot repay what no one owed yet, and its payment would stand in the claim's
        history before the claim — or more than is unpaid."""
        if on < date.fromisoformat(self.created_on):
            raise ValueError(f"on: a repayment is paid on or after the day the claim was made ({self.created_on})")
        unpaid = self.amount - sum(a for _, a in self.repayments)
        if amount > unpaid:
            raise ValueError(f"amount: more than the claim's unpaid {unpaid} yen")
        return replace(self, repayments=(*self.repayments, (on.isoformat(), amount)))


@dataclass(frozen=True)
class MonthBenefit:
    """A household-month's latest benefit version: its amount and whose bills it counted."""

    month: str
    version: int
    benefit: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class Invitation:
    """支給申請勧奨: a notice once per version of a month."""

    month: str
    version: int
    amount: int


@dataclass
class HouseholdPlan:
    household_id: str
    payments: list[BenefitPayment] = field(default_factory=list)
    claims: list[RecoveryClaim] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)
    withheld: list[tuple[str, int]] = field(default_factory=list)  # (month, yen)
    no_account: list[tuple[str, int]] = field(default_factory=list)
    awaiting: list[str] = field(default_factory=list)  # months to be decided again first
    expired: list[tuple[str, int]] = field(default_factory=list)  # the right lapsed before it was claimed

    @property
    def empty(self) -> bool:
        return not (self.payments or self.claims or self.invitations)


@dataclass
class OpenInstallment:
    due: date
    ledger: LedgerKey
    number: int
    unpaid: int


def entitlement(m: MonthBenefit, insured: Callable[[str, str], bool]) -> tuple[int, tuple[str, ...]]:
    """What the month is owed now and who of its bills' persons is no longer insured in it."""
    lost = tuple(p for p in m.members if not insured(p, m.month))
    if m.members and len(lost) == len(m.members):
        return 0, lost  # nobody of the month insured in it: paid without right
    return m.benefit, lost


BENEFIT_RIGHT_YEARS = 2  # 国保法 第110条


def right_last_day(month: str) -> date:
    """The last day the right to a month's 高額療養費 can be claimed: 2 years from the first day of the next month
    (the copay is borne by the month's end), ending the day before the same date (民法 第143条)."""
    y, m = int(month[:4]), int(month[5:7])
    start = date(y + m // 12, m % 12 + 1, 1)
    return years_later(start, BENEFIT_RIGHT_YEARS) - timedelta(days=1)


def still_owed(month: str, benefit: int, payments: Iterable[BenefitPayment], claims: Iterable[RecoveryClaim],
               applications: Sequence[Application]) -> bool:
    """Whether a household-month's right is still open past its 2 years: what its latest version decides is not
    settled (`due = benefit − paid + claimed`) and either more is to be claimed back (a 返還金 the next run makes) or
    an application in force naming the month was received by `right_last_day` — a claim made in time keeps the
    right however long a 差止 or a missing account holds the payment (`plan_household` pays it then)."""
    due = benefit - sum(p.paid for p in payments if p.month == month) \
        + sum(c.amount for c in claims if c.month == month)
    if due == 0:
        return False
    return due < 0 or any(month in a.months and a.received_on <= right_last_day(month)
                          for a in in_force(applications))


def application_for(month: str, applications: Sequence[Application], rules: PaymentRules, on: date
                    ) -> Application | None:
    """The application naming the month (the latest), else under 申請省略 the latest earlier application — of those
    in force (one entered late waits for its approval)."""
    known = sorted((a for a in in_force(applications) if a.received_on <= on),
                   key=lambda a: (a.received_on, a.application_id))
    naming = [a for a in known if month in a.months]
    if naming:
        return naming[-1]
    return known[-1] if rules.application_omission and known else None


def benefit_id(kind: str, household_id: str, month: str, serial: int) -> str:
    """A payment's or a claim's id, `BP-H0001-M2024-10-N1`: a letter before each number — `BP-H123456-2024-10-1`
    held twelve digits ("123456-2024-10", a valid My Number one household in eleven with six trailing digits)."""
    return f"{kind}-{household_id}-M{month}-N{serial}"


def plan_offsets(payment_id: str, amount: int, open_installments: list[OpenInstallment]) -> tuple[Offset, ...]:
    """The payment's 充当 to unpaid premiums, oldest due first (consumes `open_installments`)."""
    out: list[Offset] = []
    left = amount
    for row in sorted(open_installments, key=lambda o: (o.due, o.ledger[1], o.number)):
        if left == 0:
            break
        take = min(left, row.unpaid)
        if take <= 0:
            continue
        row.unpaid -= take
        left -= take
        out.append(Offset(row.ledger, row.number, take, f"{payment_id}-O{len(out) + 1}"))
    return tuple(out)


def plan_household(household_id: str, householder_id: str, months: Iterable[MonthBenefit], *,
                   payments: Sequence[BenefitPayment], claims: Sequence[RecoveryClaim],
                   applications: Sequence[Application], withholdings: Sequence[Withholding],
                   invited: set[tuple[str, int]], insured: Callable[[str, str], bool],
                   public_account: Callable[[], RefundAccount | None],
                   open_installments: Callable[[], list[OpenInstallment]],
                   rules: PaymentRules, on: date) -> HouseholdPlan:
    """One household's payments, claims and 勧奨 of the day (see the module's rules). `public_account` and
    `open_installments` are asked only when needed (each is a recorded read)."""
    plan = HouseholdPlan(household_id)
    failed = failed_accounts(payments)
    account_cache: list[RefundAccount | None] = []
    installments: list[list[OpenInstallment]] = []
    for m in sorted(months, key=lambda m: m.month):
        entitled, lost = entitlement(m, insured)
        paid = sum(p.paid for p in payments if p.month == m.month)
        claimed = sum(c.amount for c in claims if c.month == m.month)
        due = entitled - paid + claimed
        serial = 1 + sum(1 for p in payments if p.month == m.month) + sum(1 for c in claims if c.month == m.month)
        if due < 0:
            why = ("資格喪失後の受診に係る支給 (国保法 第8条: 喪失の日以後は被保険者でない)" if entitled == 0 and lost
                   else "再計算により支給額が減少 (高額療養費の再決定)")
            plan.claims.append(RecoveryClaim(
                benefit_id("BR", household_id, m.month, serial), household_id, m.month, -due, m.version, on.isoformat(),
                (on + timedelta(days=rules.claim_due_days)).isoformat(), householder_id, why,
                lost if entitled == 0 else ()))
            continue
        if due == 0:
            continue
        if lost:
            plan.awaiting.append(m.month)  # someone's loss changes the month: the monthly run decides it first
            continue
        if any(w.covers(m.month, on) for w in withholdings):
            plan.withheld.append((m.month, due))
            continue
        app = application_for(m.month, applications, rules, on)
        # the claim: the application naming the month, else (申請省略, or none yet) the day of the run
        claimed_on = app.received_on if app is not None and m.month in app.months else on
        if claimed_on > right_last_day(m.month):
            plan.expired.append((m.month, due))  # 国保法 第110条: the right lapsed before it was claimed
            continue
        if app is None:
            if (m.month, m.version) not in invited:
                plan.invitations.append(Invitation(m.month, m.version, due))
            continue
        account = app.account
        if account is None:
            if not account_cache:
                account_cache.append(public_account())
            account = account_cache[0]
        if account is None or account_key(account) in failed:
            plan.no_account.append((m.month, due))  # none, or one the bank could not pay into (振込不能)
            continue
        payment_id = benefit_id("BP", household_id, m.month, serial)
        offsets: tuple[Offset, ...] = ()
        if app.offset_consent:
            if not installments:
                installments.append(open_installments())
            offsets = plan_offsets(payment_id, due, installments[0])
        plan.payments.append(BenefitPayment(
            payment_id, household_id, m.month, due, m.version, on.isoformat(), householder_id, account,
            app.application_id, offsets, "ready" if sum(o.amount for o in offsets) < due else "offset"))
    return plan


@dataclass(frozen=True)
class ClaimState:
    """A 返還金 claim as 滞納整理 sees an installment: its status (the arrears statuses: current until its 納期限,
    overdue after, paid once repaid in full), what is unpaid, and its right's limit — 5 years from the 納期限,
    renewed by each repayment (承認), by the arrears' own rule (kokuho.collection.arrears.limitation_of)."""

    claim: RecoveryClaim
    repaid: int
    unpaid: int
    status: str
    limitation: Limitation | None  # None once repaid in full


def claim_state(c: RecoveryClaim, on: date, rules: PaymentRules) -> ClaimState:
    repaid = sum(amount for day, amount in c.repayments if date.fromisoformat(day) <= on)
    unpaid = max(0, c.amount - repaid)
    due = date.fromisoformat(c.due)
    if unpaid == 0:
        return ClaimState(c, repaid, 0, PAID, None)
    limit = limitation_of(due, reminder=None, pledges=(), years=rules.claim_limit_years,
                          payments=[date.fromisoformat(day) for day, _ in c.repayments
                                    if date.fromisoformat(day) <= on])
    return ClaimState(c, repaid, unpaid, OVERDUE if on > due else CURRENT, limit)
