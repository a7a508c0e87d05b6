"""The premium case (interfaces.md "Premium"): pydantic models that validate one household at the edge.

Unknown fields, impossible dates and negative amounts are refused with a `CaseError` naming the field
as a dotted path (``household.members[0].income.total``). The batch path (`kokuho.premium.engine`) trusts
its input and never pays for this validation.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, field_validator

from kokuho.dates.bounds import FIRST_DATE, LAST_DATE
from kokuho.identity.mynumber import contains_my_number
from kokuho.premium.errors import CaseError

#: Upper bound of an amount in a case: above any declared income (the largest personal incomes in Japan are
#: about 10^10 yen), it refuses absurd magnitudes (10^30) before they reach the arithmetic — and stays below
#: twelve digits, the household's sum too (`_check_consistency`): a case's amounts are printed back (--explain,
#: the tax intake's records), so a My Number typed into an income field came back (123,456,789,018円).
MAX_YEN = 99_999_999_999
#: Dates a case may hold: anyone alive in the fiscal years 2000–2100, with room for 65th birthdays and
#: the 非自発的失業者 period after the latest of them.
NonNegativeYen = Annotated[StrictInt, Field(ge=0, le=MAX_YEN)]
CaseDate = Annotated[dt.date, Field(ge=FIRST_DATE, le=LAST_DATE)]
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InsuredPeriod(_Strict):
    """One period of NHI membership: `from` = 資格取得日, `until` = 資格喪失日 (exclusive) or None."""

    from_: CaseDate = Field(alias="from")
    until: CaseDate | None = None


class Income(_Strict):
    """総所得金額等 and its 給与所得 / 公的年金等所得 parts, as declared (申告)."""

    total: NonNegativeYen
    salary: NonNegativeYen = 0
    pension: NonNegativeYen = 0
    declared: StrictBool = True


class InvoluntaryUnemployment(_Strict):
    """非自発的失業者 (involuntarily unemployed): the day they left employment."""

    left_on: CaseDate


class ExpectedBirth(_Strict):
    """産前産後 (before and after childbirth): expected month of birth and whether multiple."""

    month: str
    multiple: StrictBool = False

    @field_validator("month")
    @classmethod
    def _month(cls, v: str) -> str:
        m = _MONTH.match(v)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError("must be a month YYYY-MM")
        return v


class Member(_Strict):
    id: Annotated[str, Field(min_length=1, max_length=64)]
    birth_date: CaseDate
    insured: list[InsuredPeriod] = Field(default_factory=list)
    income: Income
    salary_or_pension_earner: StrictBool = False
    involuntary_unemployment: InvoluntaryUnemployment | None = None
    expected_birth: ExpectedBirth | None = None
    specific_same_household: StrictBool = False
    # 介護保険 適用除外: periods in which the member is not a 第2号被保険者 although aged 40–64 (the
    # care-insurance file); no care part for the months they cover. Empty: the age rule alone.
    care_exempt: Annotated[list[InsuredPeriod], Field(max_length=12)] = Field(default_factory=list)


class Household(_Strict):
    householder_id: Annotated[str, Field(min_length=1, max_length=64)]
    specific_household: Literal["specific", "continuing"] | None = None
    members: Annotated[list[Member], Field(min_length=1, max_length=100)]


class PremiumCase(_Strict):
    fiscal_year: Annotated[StrictInt, Field(ge=2000, le=2100)]
    household: Household


def field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-plain") or str(part).startswith("literal["):
            continue
        else:
            from kokuho.identity.mynumber import shown_field

            out += ("." if out else "") + shown_field(str(part))
    return out


def _bound(value: Any) -> str:
    # Amounts read better with separators (1,000,000,000,000); years (2100) do not.
    return f"{value:,}" if isinstance(value, int) and value >= 10_000 else str(value)


def field_message(err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "is required"
    if kind == "greater_than_equal":
        return f"must be ≥ {_bound(ctx.get('ge'))}"
    if kind == "less_than_equal":
        return f"must be ≤ {_bound(ctx.get('le'))}"
    if kind.startswith("date"):
        return "must be a real date YYYY-MM-DD"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    # pydantic's message never contains input values, only expectations; keep it.
    return str(err["msg"]).lower()


def _first_error(exc: ValidationError) -> CaseError:
    errors = exc.errors(include_input=False, include_url=False)
    # Prefer the most specific failure (a union reports one error per branch).
    # An unknown field is the likelier mistake when it ties with a missing one (a misspelt key).
    err = max(errors, key=lambda e: (len(e["loc"]), e["type"] == "extra_forbidden")) if errors else None
    if err is None:
        return CaseError("", "invalid case")
    return CaseError(field_path(tuple(err["loc"])), field_message(err))


def income_error(income: Income) -> str | None:
    """What makes an income impossible although each amount is valid (also the tax intake's check)."""
    if income.salary + income.pension > income.total:
        return "salary + pension must not exceed total"
    return None


def _check_consistency(case: PremiumCase) -> None:
    """Values each valid alone but impossible together."""
    h = case.household
    ids = [m.id for m in h.members]
    for i, m in enumerate(h.members):
        if contains_my_number(m.id):  # in any shape, inside the id too
            # Ids appear in explanations and notices: a My Number (個人番号) must never be one.
            raise CaseError(f"household.members[{i}].id", "must not be a My Number")
        if ids.index(m.id) != i:
            raise CaseError(f"household.members[{i}].id", "duplicate member id")
    if h.householder_id not in ids:
        raise CaseError("household.householder_id", "is not the id of a member")
    if sum(m.income.total for m in h.members) > MAX_YEN:  # the judged income (軽減判定所得) is shown
        raise CaseError("household.members", f"the members' incomes together exceed {MAX_YEN:,} yen")
    for i, m in enumerate(h.members):
        base = f"household.members[{i}]"
        reason = income_error(m.income)
        if reason is not None:
            raise CaseError(f"{base}.income", reason)
        for j, p in enumerate(m.insured):
            if p.from_ < m.birth_date:
                raise CaseError(f"{base}.insured[{j}].from", "must not be before birth_date")
            if p.until is not None and p.until < p.from_:
                raise CaseError(f"{base}.insured[{j}].until", "must not be before from")
        # A loss on the acquisition day (e.g. 生活保護開始 the day 社保離脱 takes effect) leaves no day of
        # membership: the period is empty and counts for nothing, in the months or in the reduction test.
        m.insured = [p for p in m.insured if p.until is None or p.until > p.from_]
        for j, p in enumerate(m.care_exempt):
            if p.until is not None and p.until < p.from_:
                raise CaseError(f"{base}.care_exempt[{j}].until", "must not be before from")
        if m.involuntary_unemployment is not None and m.involuntary_unemployment.left_on < m.birth_date:
            raise CaseError(f"{base}.involuntary_unemployment.left_on", "must not be before birth_date")


def validate_case(case: Any) -> PremiumCase:
    """Validate an interfaces.md premium case; raise `CaseError` naming the first bad field."""
    if not isinstance(case, dict):
        raise CaseError("", "a premium case must be a JSON object")
    try:
        model = PremiumCase.model_validate(case)
    except ValidationError as exc:
        raise _first_error(exc) from None
    _check_consistency(model)
    return model


def normalized(model: PremiumCase) -> dict[str, Any]:
    """The validated case as plain JSON types (ISO strings), the form the batch core reads."""
    return model.model_dump(mode="json", by_alias=True)
