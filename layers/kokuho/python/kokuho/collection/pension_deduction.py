"""Pension deduction (特別徴収, domain.md §6): who qualifies, the deduction schedule, the ledger's charge of a
deducted household, and a change that stops the deduction (the rest collected normally, 普通徴収). Pure: no AWS.

- **Who** (`qualification`): the householder is insured; every insured member is 65–74 on 1 April of the
  fiscal year (an age is reached on the day before the birthday, 年齢計算ニ関スル法律); the householder's
  pension is 180,000 yen a year or more; the annual premium plus the householder's 介護保険料 (the care
  intake's `care_premium`, read through the qualification port's `care`) is at most half of that pension;
  and the householder's 75th birthday (後期高齢者医療 from that day) is not in the fiscal year.
- **When and how much** (`deduction_schedule`): 仮徴収 in April, June, August, each the previous February's
  deduction; 本徴収 in October, December, February: the annual premium less the provisional deductions in three
  parts rounded down to 100 yen, the remainder in October.
- **The ledger** (`pension_charge`): the deductions are the ledger's installments in their months; the ledger's
  installments start in June (kokuho.collection.due_dates), so April's deduction is carried on June's. The
  insurer's results (payment file `pension`, kokuho.collection.payment_intake) pay them.
- **A stop** (`stops_deduction`, `charge_after_stop`): loss of qualification, a change of householder, the
  insurer's 中止通知, or a 更正 that lowers the premium stops the deduction; what was deducted stays charged
  in its months, the rest is spread over the ordinary installments after the stop's month by the premium's
  installment rule (kokuho.premium.installments, one rule). A 更正 below what was deducted leaves the
  difference as an overpayment on the ledger (充当・還付, kokuho.collection.overpayments).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kokuho.collection.due_dates import installment_number_of
from kokuho.collection.ledger import ORDINARY, PENSION_KIND, Charge, PaymentEntry, charge_from_version
from kokuho.premium.installments import installment_months, split_equally

__all__ = ["ORDINARY", "PENSION_KIND"]  # the installment kinds, with the rules below

PROVISIONAL, FINAL = "仮徴収", "本徴収"
PROVISIONAL_MONTHS = (4, 6, 8)
FINAL_MONTHS = (10, 12, 2)
MIN_PENSION = 180_000  # yen a year
AGES = (65, 74)
LATE_ELDERLY_AGE = 75
CHANNEL = "特別徴収"
#: What stops a deduction. 更正 only when it lowers the premium (domain.md §6).
STOP_REASONS = ("資格喪失", "世帯主変更", "更正", "中止通知")

# Reasons a household is not deducted (codes, in the order the conditions are read).
HOUSEHOLDER_NOT_INSURED = "householder_not_insured"
MEMBER_NOT_65_TO_74 = "member_not_65_to_74"
PENSION_UNDER_MINIMUM = "pension_under_180000"
OVER_HALF_OF_PENSION = "over_half_of_pension"
HOUSEHOLDER_TURNS_75 = "householder_turns_75"


class PensionDeductionError(ValueError):
    """An input the deduction cannot be computed from (names the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def _yen(value: object, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise PensionDeductionError(field, "must be an integer number of yen ≥ 0")
    return value


@dataclass(frozen=True)
class Member:
    person_id: str
    birth: date
    insured: bool  # insured in NHI in the fiscal year (a member in another scheme does not count)


@dataclass(frozen=True)
class Qualification:
    qualifies: bool
    reasons: tuple[str, ...]  # why not (empty when it qualifies)


def birthday(birth: date, age: int) -> date:
    """The `age`-th birthday; born on 29 February: 1 March in a common year."""
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:
        return date(birth.year + age, 3, 1)


def age_on(birth: date, day: date) -> int:
    """Age on `day`: an age is reached on the day before the birthday (年齢計算ニ関スル法律)."""
    age = day.year - birth.year + 1  # born on 1 January: reached on 31 December of the year before
    while birthday(birth, age) - timedelta(days=1) > day:
        age -= 1
    return age


def qualification(fiscal_year: int, *, householder_id: str, members: Sequence[Member], pension_annual: int,
                  premium_annual: int, care_premium: int) -> Qualification:
    """Whether the household's premium of `fiscal_year` is deducted from the householder's pension."""
    pension = _yen(pension_annual, "pension_annual")
    owed = _yen(premium_annual, "premium_annual") + _yen(care_premium, "care_premium")
    head = next((m for m in members if m.person_id == householder_id), None)
    if head is None:
        raise PensionDeductionError("householder_id", "is not a member of the household")
    start, end = date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)
    reasons = []
    if not head.insured:
        reasons.append(HOUSEHOLDER_NOT_INSURED)
    if any(m.insured and not AGES[0] <= age_on(m.birth, start) <= AGES[1] for m in members):
        reasons.append(MEMBER_NOT_65_TO_74)
    if pension < MIN_PENSION:
        reasons.append(PENSION_UNDER_MINIMUM)
    if 2 * owed > pension:  # at most half, exactly (no rounding of the half)
        reasons.append(OVER_HALF_OF_PENSION)
    if start <= birthday(head.birth, LATE_ELDERLY_AGE) <= end:
        reasons.append(HOUSEHOLDER_TURNS_75)
    return Qualification(not reasons, tuple(reasons))


@dataclass(frozen=True)
class Deduction:
    month: str  # YYYY-MM (paid on the pension's day, the 15th)
    kind: str  # 仮徴収 | 本徴収
    amount: int


def _month(fiscal_year: int, month: int) -> str:
    return f"{fiscal_year + (month < 4):04d}-{month:02d}"


def deduction_schedule(fiscal_year: int, *, annual: int, previous_february: int) -> tuple[Deduction, ...]:
    """The year's deductions; a month of 0 yen is not deducted (no previous February: no 仮徴収)."""
    annual, february = _yen(annual, "annual"), _yen(previous_february, "previous_february")
    rest = annual - february * len(PROVISIONAL_MONTHS)
    if rest < 0:
        raise PensionDeductionError("annual", "is below the provisional deductions: stop the deduction and "
                                              "collect the rest normally")
    each = rest // len(FINAL_MONTHS) // 100 * 100
    finals = [rest - each * (len(FINAL_MONTHS) - 1)] + [each] * (len(FINAL_MONTHS) - 1)
    out = [Deduction(_month(fiscal_year, m), PROVISIONAL, february) for m in PROVISIONAL_MONTHS]
    out += [Deduction(_month(fiscal_year, m), FINAL, a) for m, a in zip(FINAL_MONTHS, finals, strict=True)]
    return tuple(d for d in out if d.amount > 0)


def _ledger_month(month: str) -> str:
    """The ledger's month of a deduction: April's is carried on June's installment (installments start in
    June, kokuho.collection.due_dates); a deduction in May (none scheduled) likewise."""
    return f"{month[:4]}-06" if month[5:7] in ("04", "05") else month


def deduction_installment(fiscal_year: int, on: date) -> int | None:
    """The ledger installment a deduction made on `on` pays: its month's (April's and May's on June's); None for
    a day before the fiscal year (then the oldest unpaid first)."""
    month = _ledger_month(on.isoformat()[:7])
    try:
        return installment_number_of(fiscal_year, int(month[:4]), int(month[5:7]))
    except ValueError:
        return None


def _charge(household_id: str, fiscal_year: int, version: int, payer_id: str, annual: int,
            amounts: Iterable[tuple[str, int]], ordinary: Iterable[tuple[str, int]] = ()) -> Charge:
    """`amounts` deducted (特別徴収), `ordinary` collected by the payer (普通徴収); a ledger month holding both
    (a stop in April or May: April's deduction is carried on June) is ordinary — the payer is billed for it."""
    by_month: dict[str, int] = {}
    kinds: dict[str, set[str]] = {}
    for kind, rows in ((PENSION_KIND, amounts), (ORDINARY, ordinary)):
        for month, amount in rows:
            key = _ledger_month(month)
            by_month[key] = by_month.get(key, 0) + amount
            kinds.setdefault(key, set()).add(kind)
    return charge_from_version(household_id, fiscal_year, version=version, payer_id=payer_id, annual=annual,
                               installments=[{"due": m, "amount": a,
                                              "kind": PENSION_KIND if kinds[m] == {PENSION_KIND} else ORDINARY}
                                             for m, a in sorted(by_month.items())])


def pension_charge(household_id: str, fiscal_year: int, *, version: int, payer_id: str, annual: int,
                   schedule: Sequence[Deduction]) -> Charge:
    """The ledger's 調定 of a deducted household: its deductions as installments."""
    if sum(d.amount for d in schedule) != annual:
        raise PensionDeductionError("schedule", "does not sum to the annual premium")
    return _charge(household_id, fiscal_year, version, payer_id, annual, ((d.month, d.amount) for d in schedule))


def stops_deduction(reason: str, *, previous_annual: int | None = None, new_annual: int | None = None) -> bool:
    """Whether a change stops the deduction: loss of qualification, a new householder, the insurer's 中止通知
    always; a 更正 when it lowers the premium (a raise keeps the deduction)."""
    if reason not in STOP_REASONS:
        raise PensionDeductionError("reason", f"must be one of {', '.join(STOP_REASONS)}")
    if reason != "更正":
        return True
    if previous_annual is None or new_annual is None:
        raise PensionDeductionError("new_annual", "a 更正 needs the previous and the new annual premium")
    return _yen(new_annual, "new_annual") < _yen(previous_annual, "previous_annual")


def deducted_by_month(payments: Iterable[PaymentEntry]) -> dict[str, int]:
    """What the pension insurer deducted (the ledger's 特別徴収 payments), by month."""
    out: dict[str, int] = {}
    for p in payments:
        if p.channel == CHANNEL:
            month = p.on.isoformat()[:7]
            out[month] = out.get(month, 0) + p.amount
    return dict(sorted(out.items()))


def charge_after_stop(household_id: str, fiscal_year: int, *, version: int, payer_id: str, annual: int,
                      deducted: Mapping[str, int], stopped_on: date) -> Charge:
    """The ledger's 調定 once the deduction stops: what was deducted stays charged in its months; the rest of
    `annual` goes on the ordinary installments from the month after the stop's (June at the earliest; the April
    after the year when the stop is in March). A deduction the insurer still makes after this is more than the
    charge: an overpayment, disbursed by 充当・還付."""
    _yen(annual, "annual")
    kept = [(m, _yen(a, f"deducted[{m}]")) for m, a in sorted(deducted.items())]
    rest = annual - sum(a for _, a in kept)
    return _charge(household_id, fiscal_year, version, payer_id, annual, kept,
                   _ordinary_after(fiscal_year, rest, month_index(fiscal_year, stopped_on)))


def month_index(fiscal_year: int, day: date) -> int:
    """0 = April of the fiscal year … 11 = March (refused outside the year)."""
    index = (day.year - fiscal_year) * 12 + day.month - 4
    if not 0 <= index <= 11:
        raise PensionDeductionError("stopped_on", "must be a day of the fiscal year")
    return index


def _ordinary_after(fiscal_year: int, rest: int, index: int, *, skip: Iterable[str] = ()) -> list[tuple[str, int]]:
    """`rest` on the ordinary installments after the month `index` (June at the earliest) by the premium's
    installment rule (kokuho.premium.installments: one rule), months in `skip` left out."""
    if rest <= 0:
        return []
    left_out = set(skip)
    months = [m for m in installment_months(fiscal_year, index) if m not in left_out]
    if not months:  # a raise seen in March with every later month deducted: the April after the year
        months = [f"{fiscal_year + 1:04d}-04"]
    return [(str(i["due"]), int(i["amount"])) for i in split_equally(rest, months)]


# -- the ledger of a household whose premium is deducted (the pension run's state, kokuho.collection.pension_run)

#: Status of a household's deduction for a fiscal year.
PROVISIONAL_STATUS, DEDUCTING, STOPPED = "provisional", "deducting", "stopped"


def schedule_doc(schedule: Iterable[Deduction]) -> list[dict[str, Any]]:
    return [{"month": d.month, "kind": d.kind, "amount": d.amount} for d in schedule]


def schedule_of(doc: Mapping[str, Any]) -> tuple[Deduction, ...]:
    return tuple(Deduction(str(d["month"]), str(d["kind"]), int(d["amount"])) for d in doc.get("schedule") or ())


def kept_deductions(doc: Mapping[str, Any]) -> tuple[Deduction, ...]:
    """The deductions the insurer makes: all of the schedule, or those before the stop's first month."""
    stop = doc.get("stop")
    return tuple(d for d in schedule_of(doc) if stop is None or d.month < str(stop["from_month"]))


def pension_ledger_charge(household_id: str, fiscal_year: int, *, version: int, payer_id: str, annual: int,
                          overlay: Mapping[str, Any]) -> Charge:
    """The ledger's 調定 of a household with a deduction (`overlay`: the pension run's state on the ledger):

    - `ordinary`: 普通徴収 installments billed before the deduction began (a first year: June … September), kept;
    - the deductions (特別徴収) of `schedule`, all of them or, once stopped, those before `stop.from_month`;
    - once stopped, the rest of `annual` on 普通徴収 installments after the stop's month (domain.md §6: the rest
      collected normally); while deducting, a 更正 that raised the premium puts the increase on 普通徴収
      installments from `extra_from` (a month index) in the months without a deduction.

    The version's `annual` caps it (kokuho.collection.ledger.charge_from_version): a 更正 lowering the premium
    lowers the latest installments at once, until the pension run stops the deduction."""
    kept = [(d.month, d.amount) for d in kept_deductions(overlay)]
    fixed = [(str(o["month"]), int(o["amount"])) for o in overlay.get("ordinary") or ()]
    rest = annual - sum(a for _, a in kept) - sum(a for _, a in fixed)
    stop, extra_from = overlay.get("stop"), overlay.get("extra_from")
    if stop is not None:
        extra = _ordinary_after(fiscal_year, rest, month_index(fiscal_year, date.fromisoformat(str(stop["on"]))))
    elif extra_from is not None:
        extra = _ordinary_after(fiscal_year, rest, int(extra_from),
                                skip={_ledger_month(m) for m, _ in kept} | {m for m, _ in fixed})
    else:
        extra = []
    return _charge(household_id, fiscal_year, version, payer_id, annual, kept, [*fixed, *extra])
