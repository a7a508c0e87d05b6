"""Input of the 高額療養費 (high-cost medical expense benefit) engine — interfaces.md "High-cost ceiling".

`parse_case` is the one way in: it checks the shape with pydantic (unknown fields, types, month format,
brackets, settings) and then the rules that involve several fields (ages, `bracket70`, copay above cost,
prior months). Every rejection names the field as a path such as `household.members[0].bills[1].copay`.

Extensions beyond the contract (all optional, absent means the contract's behaviour):
- `household.moved_in_month_within_prefecture` (bool): the household moved within the prefecture in
  `service_month` and is judged continuous (同一世帯の継続); every ceiling of the month is halved
  (県内転居の月は各市町村で限度額の2分の1). Prior benefit months of the former municipality are given in
  `prior_benefit_months` since the 多数回 count carries over. Only months a household ceiling paid belong there:
  a month of the 70–74 outpatient limit alone (外来特例) does not count (施行令 第29条の3).
- `members[].outpatient_paid_this_year` (yen): for a 70–74 member, the outpatient share already borne in
  the August–July year before `service_month`, after the monthly outpatient ceilings. With it the 一般
  yearly outpatient cap (外来年間上限 144,000) is applied; without it the cap is not applied. Must be 0 in
  August, the first month of that year. Rejected for a member under 70.
- `bills[].dental` defaults to false.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from kokuho.dates.months import is_month
from kokuho.identity.mynumber import contains_my_number

Bracket = Literal["ア", "イ", "ウ", "エ", "オ"]
Bracket70 = Literal["現役並みⅢ", "現役並みⅡ", "現役並みⅠ", "一般", "低所得Ⅱ", "低所得Ⅰ"]
Setting = Literal["inpatient", "outpatient"]

# 後期高齢者医療 (late-stage elderly medical care) covers 75 and over; 70–74 are 前期高齢者 in NHI.
ELDERLY_FROM_AGE = 70
LATE_STAGE_FROM_AGE = 75
YEARLY_OUTPATIENT_FIRST_MONTH = 8  # the 外来年間上限 year runs August–July

#: Upper bound of an amount of a bill: a month's dearest treatments cost about 10^8 yen; this refuses
#: absurd magnitudes (10^30) before they reach the arithmetic. Stated in the rejection.
MAX_YEN = 10_000_000_000
#: Upper bound of the household's bills of the month together: below twelve digits with a member's
#: outpatient_paid_this_year added, as is every amount --explain and the answer derive from them (a benefit, a
#: cost): bills adding up to a My Number came back as the benefit.
MAX_HOUSEHOLD_YEN = 89_999_999_999
#: A household with more is not a household; one member's bills of a month stay far below this.
MAX_MEMBERS, MAX_BILLS = 100, 1_000



def _month(value: object) -> date:
    """A `YYYY-MM` month as the date of its first day."""
    if not is_month(value):
        raise ValueError("must be a month written YYYY-MM")
    return date(int(value[:4]), int(value[5:]), 1)


Month = Annotated[date, BeforeValidator(_month)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Bill(_Strict):
    """One 診療報酬明細 (medical bill) of a member in the month; a pharmacy's goes under the prescriber."""

    provider: str = Field(min_length=1)
    setting: Setting
    dental: bool = False
    total_cost: int = Field(ge=0, le=MAX_YEN)
    copay: int = Field(ge=0, le=MAX_YEN)


class Member(_Strict):
    id: str = Field(min_length=1)
    age: int = Field(ge=0)
    bills: list[Bill] = Field(default_factory=list, max_length=MAX_BILLS)
    outpatient_paid_this_year: int | None = Field(default=None, ge=0, le=MAX_YEN)


class Household(_Strict):
    bracket: Bracket | None = None
    bracket70: Bracket70 | None = None
    prior_benefit_months: list[Month] = Field(default_factory=list)
    moved_in_month_within_prefecture: bool = False
    members: list[Member] = Field(min_length=1, max_length=MAX_MEMBERS)


class KogakuCase(_Strict):
    service_month: Month
    household: Household


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class CaseError(ValueError):
    """A rejected case; `errors` name each offending field. The message never echoes input values."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def field_path(loc: tuple[int | str, ...]) -> str:
    """`("household", "members", 0, "age")` → `household.members[0].age`."""
    from kokuho.identity.mynumber import shown_field

    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{shown_field(str(part))}" if path else shown_field(str(part))
    return path or "case"


_FRIENDLIER = {
    "extra_forbidden": "unknown field",
    "missing": "required field is missing",
}


def _message(err: Any) -> str:
    if err["type"] == "less_than_equal":
        return f"must be at most {err['ctx']['le']:,}"
    return _FRIENDLIER.get(err["type"], err["msg"])


def _shape_errors(exc: ValidationError) -> list[FieldError]:
    errors = []
    for err in exc.errors(include_input=False, include_url=False):
        message = _message(err)
        message = message.removeprefix("Value error, ")
        errors.append(FieldError(field_path(tuple(err["loc"])), message))
    return errors


def _rule_errors(case: KogakuCase) -> list[FieldError]:
    errors: list[FieldError] = []
    household = case.household
    seen: set[str] = set()
    for i, member in enumerate(household.members):
        at = f"household.members[{i}]"
        if member.age >= LATE_STAGE_FROM_AGE:
            errors.append(FieldError(f"{at}.age", "a member aged 75 or over is insured by 後期高齢者医療 "
                                     "(late-stage elderly medical care), not NHI"))
        if contains_my_number(member.id):
            # ids are echoed by --explain: a My Number (個人番号) must never be, so it is refused here
            errors.append(FieldError(f"{at}.id", "must not be a My Number (個人番号); use the internal id"))
        if member.id in seen:
            errors.append(FieldError(f"{at}.id", "the same member id appears twice"))
        seen.add(member.id)
        if member.outpatient_paid_this_year is not None:
            if member.age < ELDERLY_FROM_AGE:
                errors.append(FieldError(f"{at}.outpatient_paid_this_year",
                                         "the yearly outpatient cap applies only to a member aged 70–74"))
            elif (case.service_month.month == YEARLY_OUTPATIENT_FIRST_MONTH
                  and member.outpatient_paid_this_year != 0):
                errors.append(FieldError(f"{at}.outpatient_paid_this_year",
                                         "must be 0 in August, the first month of the August–July year"))
        for j, bill in enumerate(member.bills):
            if contains_my_number(bill.provider):
                errors.append(FieldError(f"{at}.bills[{j}].provider", "must not be a My Number (個人番号)"))
            if bill.copay > bill.total_cost:
                errors.append(FieldError(f"{at}.bills[{j}].copay", "the copay is above the bill's total cost"))
    if sum(b.total_cost for m in household.members for b in m.bills) > MAX_HOUSEHOLD_YEN:
        errors.append(FieldError("household.members", f"the bills' total costs together exceed {MAX_HOUSEHOLD_YEN:,}"))
    ages = [m.age for m in household.members if m.age < LATE_STAGE_FROM_AGE]
    if any(a >= ELDERLY_FROM_AGE for a in ages) and household.bracket70 is None:
        errors.append(FieldError("household.bracket70", "required when a member is aged 70–74"))
    if any(a < ELDERLY_FROM_AGE for a in ages) and household.bracket is None:
        errors.append(FieldError("household.bracket", "required when a member is under 70"))
    months_seen: set[date] = set()
    for k, prior in enumerate(household.prior_benefit_months):
        if prior in months_seen:
            # a month is one benefit month however often it is listed: a repeat is a mistake upstream
            errors.append(FieldError(f"household.prior_benefit_months[{k}]", "the same month is given twice"))
        months_seen.add(prior)
        if prior >= case.service_month:
            errors.append(FieldError(f"household.prior_benefit_months[{k}]",
                                     "a prior benefit month must be before service_month"))
    return errors


def parse_case(raw: Any) -> KogakuCase:
    """The validated case, or CaseError naming every offending field."""
    try:
        case = KogakuCase.model_validate(raw)
    except ValidationError as exc:
        raise CaseError(_shape_errors(exc)) from None
    errors = _rule_errors(case)
    if errors:
        raise CaseError(errors)
    return case
