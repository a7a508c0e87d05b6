"""延滞金 — late charge on premium installments paid after their due date (domain.md §6), and the application
of payments to installments that it depends on. Pure: no AWS, no I/O beyond the packaged rate file.

The rules, in the order domain.md §6 gives them:
1. No charge on an installment whose amount is under 2,000 yen; otherwise the base is the unpaid principal
   rounded down to the 1,000 yen (`base_of`).
2. Days run from the day after the due date through the day of full payment (inclusive) or, while principal
   remains, through `as_of`. A payment lowers the base from the next day on.
3. The lower rate runs for one month from the day after the due date, counted as 民法 第143条 counts
   (`lower_rate_until`); the higher rate after that.
4. Each day takes the rates of its own calendar year (data: data/collection/late_charge_rates.json); a day
   in a year without rates is refused (`MissingRates`).
5. Amount = Σ base × rate ÷ 365 over the days, kept exact (Fraction); the installment's total is rounded down
   to the 100 yen and a total under 1,000 yen is 0 (`round_late_charge`).
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from importlib import resources

MINIMUM_INSTALLMENT = 2_000  # 延滞金 is not charged on an installment under this
BASE_UNIT = 1_000  # the base is rounded down to this
CHARGE_UNIT = 100  # the total is rounded down to this
MINIMUM_CHARGE = 1_000  # a total under this is not charged
REMINDER_DAYS = 20  # the 督促状 is issued within this many days after the due date


class MissingRates(ValueError):
    """A charge would run into a calendar year whose rates are not in the rate file."""

    def __init__(self, year: int) -> None:
        super().__init__(f"no 延滞金 rates for calendar year {year}; the charge would run into it")
        self.year = year


@dataclass(frozen=True)
class YearRates:
    lower: Decimal  # percent a year, first month after the due date
    higher: Decimal  # percent a year, after that


@dataclass(frozen=True)
class LateChargeRates:
    years: dict[int, YearRates]
    days_in_year: int = 365

    def for_day(self, day: date, lower: bool) -> Decimal:
        rates = self.years.get(day.year)
        if rates is None:
            raise MissingRates(day.year)
        return rates.lower if lower else rates.higher


def load_rates() -> LateChargeRates:
    """The packaged rate file (versioned data, not constants in code)."""
    raw = json.loads(resources.files("kokuho.data").joinpath("collection/late_charge_rates.json").read_text("utf-8"))
    years = {int(y): YearRates(Decimal(r["lower"]), Decimal(r["higher"])) for y, r in raw["years"].items()}
    return LateChargeRates(years=years, days_in_year=int(raw["days_in_year"]))


@dataclass(frozen=True)
class Installment:
    number: int
    amount: int  # principal, integer yen
    due: date


@dataclass(frozen=True)
class Payment:
    on: date
    amount: int
    installment: int | None = None  # the installment the slip names; None: oldest unpaid first


@dataclass(frozen=True)
class Segment:
    """A maximal run of consecutive days with one rate and one base."""

    start: date
    end: date
    rate: Decimal
    base: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class InstallmentCharge:
    number: int
    due: date
    reminder_by: date
    principal: int
    paid: int
    late_charge: int
    final: bool
    segments: tuple[Segment, ...]
    exact_charge: Fraction  # before rounding, for the explanation
    owed_after_due: int  # principal still owed when the due date ended: why there is no charge (explanation)

    @property
    def unpaid(self) -> int:
        return self.principal - self.paid


@dataclass(frozen=True)
class LateChargeResult:
    installments: tuple[InstallmentCharge, ...]
    overpayment: int

    @property
    def late_charge_total(self) -> int:
        return sum(i.late_charge for i in self.installments)


@dataclass
class _Ledger:
    """What has been applied to each installment: (day, amount) in the order applied."""

    applied: dict[int, list[tuple[date, int]]] = field(default_factory=dict)
    overpayment: int = 0


def apply_payments(installments: Sequence[Installment], payments: Iterable[Payment]) -> _Ledger:
    """Apply payments to principal (domain.md §6 "Payments"), in date order, same-day ones in the order given.

    A payment naming an installment pays it up to what it still owes; what is left of it (and an unnamed
    payment) pays the oldest unpaid installment first (by due date, then number), spilling to the next,
    installments not yet due included. What exceeds all principal is an overpayment (過誤納).
    """
    owed = {i.number: i.amount for i in installments}
    oldest_first = [i.number for i in sorted(installments, key=lambda i: (i.due, i.number))]
    ledger = _Ledger(applied={i.number: [] for i in installments})

    def pay(number: int, day: date, amount: int) -> int:
        take = min(owed[number], amount)
        if take > 0:
            owed[number] -= take
            ledger.applied[number].append((day, take))
        return amount - take

    # sorted() is stable: same-day payments keep the order given.
    for payment in sorted(payments, key=lambda p: p.on):
        left = payment.amount
        if payment.installment is not None:
            left = pay(payment.installment, payment.on, left)
        for number in oldest_first:
            if left == 0:
                break
            left = pay(number, payment.on, left)
        ledger.overpayment += left
    return ledger


def base_of(unpaid: int) -> int:
    """The base of a day: the unpaid principal rounded down to the 1,000 yen (domain.md §6 rules 1–2)."""
    return unpaid // BASE_UNIT * BASE_UNIT


def lower_rate_until(due: date) -> date:
    """Last day of the lower rate: one month from the day after the due date, counted as 民法 第143条 does.

    The period starting on day s ends on the day before the same date of the next month, or on the last day of
    that month when it has no such date (s = 2 July → 1 August; s = 1 February → 28/29 February;
    s = 31 January → 28/29 February).
    """
    start = due + timedelta(days=1)
    year, month = (start.year, start.month + 1) if start.month < 12 else (start.year + 1, 1)
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return date(year, month, last)
    return date(year, month, start.day) - timedelta(days=1)


def round_late_charge(exact: Fraction) -> int:
    """The installment's total: rounded down to the 100 yen; under 1,000 yen it is 0 (domain.md §6 rule 5)."""
    total = int(exact) // CHARGE_UNIT * CHARGE_UNIT
    return total if total >= MINIMUM_CHARGE else 0


def _charge_installment(inst: Installment, applied: list[tuple[date, int]], as_of: date,
                        rates: LateChargeRates) -> InstallmentCharge:
    paid = sum(amount for _, amount in applied)
    final = paid >= inst.amount
    reminder_by = inst.due + timedelta(days=REMINDER_DAYS)
    owed_after_due = inst.amount - sum(amount for day, amount in applied if day <= inst.due)
    if inst.amount < MINIMUM_INSTALLMENT:
        return InstallmentCharge(inst.number, inst.due, reminder_by, inst.amount, paid, 0, final, (), Fraction(0),
                                 owed_after_due)
    # Through the day of full payment, or through as_of while principal remains.
    end = applied[-1][0] if final and applied else as_of
    first = inst.due + timedelta(days=1)
    if end < first:
        return InstallmentCharge(inst.number, inst.due, reminder_by, inst.amount, paid, 0, final, (), Fraction(0),
                                 owed_after_due)
    lower_end = lower_rate_until(inst.due)

    # Days where the rate or the base may change: the start, the day after the lower rate ends, each
    # 1 January, and the day after each payment (a payment lowers the base from the next day on).
    cuts = {first, lower_end + timedelta(days=1), end + timedelta(days=1)}
    cuts.update(date(y, 1, 1) for y in range(first.year + 1, end.year + 1))
    cuts.update(day + timedelta(days=1) for day, _ in applied)
    points = sorted(c for c in cuts if first <= c <= end + timedelta(days=1))

    segments: list[Segment] = []
    exact = Fraction(0)
    for start, stop in zip(points, points[1:], strict=False):
        last_day = stop - timedelta(days=1)
        base = base_of(inst.amount - sum(amount for day, amount in applied if day < start))
        if base == 0:
            continue
        rate = rates.for_day(start, lower=start <= lower_end)
        days = (stop - start).days
        exact += Fraction(base * days) * Fraction(rate) / (100 * rates.days_in_year)
        previous = segments[-1] if segments else None
        if previous and previous.rate == rate and previous.base == base and previous.end + timedelta(days=1) == start:
            segments[-1] = Segment(previous.start, last_day, rate, base)  # a new calendar year continues a run
        else:
            segments.append(Segment(start, last_day, rate, base))
    return InstallmentCharge(inst.number, inst.due, reminder_by, inst.amount, paid, round_late_charge(exact), final,
                             tuple(segments), exact, owed_after_due)


def assess_late_charges(installments: Sequence[Installment], payments: Iterable[Payment], as_of: date,
                        rates: LateChargeRates) -> LateChargeResult:
    """Every installment's 延滞金 as of `as_of`, with the overpayment the payments leave (domain.md §6)."""
    ledger = apply_payments(installments, payments)
    charges = tuple(_charge_installment(inst, ledger.applied[inst.number], as_of, rates)
                    for inst in sorted(installments, key=lambda i: i.number))
    return LateChargeResult(installments=charges, overpayment=ledger.overpayment)
