"""A deterministic synthetic city (架空の市) for the demo, tests and benchmarks.

Same seed, same size, same fiscal year ⇒ the same city, byte for byte. Households carry interfaces.md
premium cases; persons carry a My Number with a valid check digit (randomly drawn, so it belongs to
no one). What it contains, roughly in the proportions of an NHI population:
- 1–5 member households, members aged 0–74 (a member turning 75 in the year leaves NHI on the 75th
  birthday: 後期高齢者医療), occasionally a 特定同一世帯所属者 aged 75–84 who already left, with the
  household then a 特定世帯 (5 years) or 特定継続世帯 (3 more years);
- 擬制世帯主 (householders on employee insurance, not insured, paying for their insured family);
- salary, pension or no income, a few undeclared (未申告), a few 非自発的失業者, a few expected births;
- mid-year acquisitions (転入, 社保離脱) and losses (転出, 社保加入).
`month_changes` draws the kind of changes a month brings (income corrections, losses, births).

`registers=True` draws a city the city's systems can deliver (kokuho_local.synthetic.city_files: the
resident register, tax, care and public-assistance files): person ids are the register's (`A<宛名番号>`),
and it holds nothing those files cannot say — no one reaching 75 during the year (後期高齢者医療 is
another system's), no 特定同一世帯所属者, expected birth or 非自発的失業 (notified at the counter); a few
40–64 year-olds are 介護保険 適用除外 (the care file says so).
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from kokuho.identity.mynumber import check_digit


@dataclass
class Person:
    person_id: str
    my_number: str  # kept in memory only; never written in clear


@dataclass
class SynthHousehold:
    household_id: str
    case: dict[str, Any]
    persons: list[Person] = field(default_factory=list)


@dataclass
class City:
    seed: int
    fiscal_year: int
    households: list[SynthHousehold]
    registers: bool = False  # drawn for the city's files (generate_city)

    @property
    def persons(self) -> int:
        return sum(len(h.persons) for h in self.households)


def my_number(rng: random.Random) -> str:
    first = "".join(str(rng.randrange(10)) for _ in range(11))
    return first + str(check_digit(first))


def _birth(rng: random.Random, fy: int, age: int) -> date:
    """A birth date making the person `age` on 1 April of the fiscal year."""
    start = date(fy - age - 1, 4, 2)
    return start + timedelta(days=rng.randrange(365))


def _anniversary(birth: date, years: int) -> date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February
        return date(birth.year + years, 3, 1)


def _fy_day(rng: random.Random, fy: int, first_month: int = 4, last_month: int = 3 + 12) -> date:
    """A day of the fiscal year between its `first_month` and `last_month` (4 = April … 15 = March)."""
    m = rng.randint(first_month, last_month)
    year, month = (fy, m) if m <= 12 else (fy + 1, m - 12)
    return date(year, month, rng.randint(1, 28))


def _income(rng: random.Random, age: int) -> tuple[dict[str, Any], bool]:
    """(income, salary_or_pension_earner) — 総所得金額等 with its salary/pension parts."""
    declared = rng.random() > 0.02
    if age < 16:
        return {"total": 0, "salary": 0, "pension": 0, "declared": True}, False
    if age >= 65:
        if rng.random() < 0.85:
            pension = rng.choice([0, 0, 100_000, 300_000, 600_000, 900_000, 1_500_000])
            other = rng.choice([0, 0, 0, 200_000, 800_000])
            return {"total": pension + other, "salary": 0, "pension": pension, "declared": declared}, True
        return {"total": 0, "salary": 0, "pension": 0, "declared": declared}, False
    r = rng.random()
    if r < 0.55:
        salary = rng.choice([0, 300_000, 800_000, 1_200_000, 1_800_000, 2_500_000, 3_500_000,
                             5_000_000, 8_000_000, 12_000_000])
        return {"total": salary, "salary": salary, "pension": 0, "declared": declared}, True
    if r < 0.75:  # self-employed (営業所得): income that is neither salary nor pension
        business = rng.choice([0, 400_000, 1_000_000, 2_000_000, 4_000_000, 9_000_000, 30_000_000])
        return {"total": business, "salary": 0, "pension": 0, "declared": declared}, False
    return {"total": 0, "salary": 0, "pension": 0, "declared": declared}, False


def _member(rng: random.Random, fy: int, pid: str, age: int, *, insured: bool = True,
            mid_year: bool = True, registers: bool = False) -> dict[str, Any]:
    birth = _birth(rng, fy, age)
    income, earner = _income(rng, age)
    periods: list[dict[str, Any]] = []
    if insured:
        start = date(fy, 4, 1)
        until: date | None = None
        r = rng.random()
        if mid_year and r < 0.05:
            start = _fy_day(rng, fy, 5, 14)  # 転入 or 社保離脱 during the year
        elif mid_year and r < 0.09:
            until = _fy_day(rng, fy, 5, 15)  # 転出 or 社保加入 during the year
        turns_75 = _anniversary(birth, 75)
        if turns_75 <= date(fy + 1, 3, 31):  # 後期高齢者医療 from the 75th birthday
            until = turns_75 if until is None or turns_75 < until else until
        start = max(start, birth)
        if until is not None and until <= start:
            until = None
        periods.append({"from": start.isoformat(), "until": until.isoformat() if until else None})
    member: dict[str, Any] = {
        "id": pid, "birth_date": birth.isoformat(), "insured": periods, "income": income,
        "salary_or_pension_earner": earner, "involuntary_unemployment": None, "expected_birth": None,
        "specific_same_household": False,
    }
    if registers:
        exempt = insured and 40 <= age < 64 and rng.random() < 0.03  # 介護保険 適用除外 (the care file)
        member["care_exempt"] = [{"from": date(fy, 4, 1).isoformat(), "until": None}] if exempt else []
        return member
    if insured and 20 <= age < 60 and income["salary"] == 0 and rng.random() < 0.03:
        left = date(fy - 1, rng.randint(1, 12), rng.randint(1, 28))
        member["involuntary_unemployment"] = {"left_on": left.isoformat()}
    if insured and 20 <= age <= 40 and rng.random() < 0.02:
        member["expected_birth"] = {"month": _fy_day(rng, fy, 5, 15).strftime("%Y-%m"),
                                    "multiple": rng.random() < 0.02}
    return member


def atena_no(household_no: int, member_no: int) -> str:
    """The 宛名番号 of the register's city: 8 digits from the household's and member's numbers (the
    住民コード kokuho_local.local_api.sample_person gives them too; never twelve digits)."""
    return f"{household_no % 1_000_000:06d}{member_no % 100:02d}"


def _household(rng: random.Random, fy: int, hid: str, persons: list[Person], *,
               registers: bool = False) -> dict[str, Any]:
    def pid() -> str:
        n = len(persons) + 1
        p = Person(f"A{atena_no(int(hid[1:]), n)}" if registers else f"{hid}-P{n}", my_number(rng))
        persons.append(p)
        return p.person_id

    oldest = 73 if registers else 74  # 74 on 1 April reaches 75 in the year (後期高齢者医療)
    size = rng.choices([1, 2, 3, 4, 5], weights=[45, 30, 13, 9, 3])[0]
    head_age = rng.choices([rng.randint(20, 39), rng.randint(40, 64), rng.randint(65, oldest)],
                           weights=[20, 35, 45])[0]
    fictive = size > 1 and head_age < 65 and rng.random() < 0.12  # 擬制世帯主
    members = [_member(rng, fy, pid(), head_age, insured=not fictive, registers=registers)]
    if fictive:
        members[0]["income"] = {"total": rng.choice([2_500_000, 4_000_000, 6_000_000]),
                                "salary": 0, "pension": 0, "declared": True}
        members[0]["income"]["salary"] = members[0]["income"]["total"]
        members[0]["salary_or_pension_earner"] = True
    specific: str | None = None
    if size >= 2 and head_age >= 65 and rng.random() < 0.15 and not registers:
        # 特定同一世帯所属者: the spouse already moved to 後期高齢者医療 (75+), still in the household.
        years_since = rng.randint(0, 9)
        spouse = _member(rng, fy, pid(), 75 + years_since, insured=False)
        spouse["specific_same_household"] = True
        members.append(spouse)
        if size == 2:
            specific = "specific" if years_since < 5 else ("continuing" if years_since < 8 else None)
        size -= 1
    for i in range(1, size):
        if i == 1 and head_age >= 25:
            age = max(18, min(oldest, head_age + rng.randint(-5, 5)))
        else:
            age = rng.randint(0, max(0, min(22, head_age - 18)))
        members.append(_member(rng, fy, pid(), age, registers=registers))
    return {"fiscal_year": fy, "household": {"householder_id": members[0]["id"],
                                             "specific_household": specific, "members": members}}


def generate_city(households: int, *, seed: int = 2024, fiscal_year: int = 2024, registers: bool = False) -> City:
    rng = random.Random(f"{seed}:{fiscal_year}:{households}" + (":registers" if registers else ""))
    out: list[SynthHousehold] = []
    for i in range(households):
        hid = f"H{i + 1:07d}"
        persons: list[Person] = []
        case = _household(rng, fiscal_year, hid, persons, registers=registers)
        out.append(SynthHousehold(hid, case, persons))
    return City(seed, fiscal_year, out, registers)


def amended_income(income: dict[str, Any], kind: str) -> dict[str, Any]:
    """The householder's income after a 修正申告 (amended declaration): `income_down` to a fifth, `income_up` by
    half (none before: 1,000,000 yen), to the thousand yen; salary and pension within the total."""
    factor = 0.2 if kind == "income_down" else 1.5
    total = int(income["total"] * factor) // 1000 * 1000 if income["total"] else (
        0 if kind == "income_down" else 1_000_000)
    salary = min(total, int(income["salary"] * factor) // 1000 * 1000)
    pension = min(total - salary, int(income["pension"] * factor) // 1000 * 1000)
    return {"total": total, "salary": salary, "pension": pension, "declared": True}


def month_changes(city: City, month: str, *, share: float = 0.05, seed: int = 7) -> dict[str, dict[str, Any]]:
    """Changes registered during `month` ("YYYY-MM"): household id → its new case (the city is not modified).

    Kinds: income corrected after a late or amended declaration (up or down), a member lost (転出・
    社保加入) from the month, a birth in the month (a new insured member).
    """
    rng = random.Random(f"{seed}:{month}:{len(city.households)}")
    year, mon = int(month[:4]), int(month[5:7])
    first_day = date(year, mon, 1)
    out: dict[str, dict[str, Any]] = {}
    for h in city.households:
        if rng.random() >= share:
            continue
        case = copy.deepcopy(h.case)
        members = case["household"]["members"]
        kind = rng.choice(["income_down", "income_up", "loss", "birth"])
        loss_day = first_day + timedelta(days=rng.randint(0, 20))
        insured = [m for m in members if m["insured"] and not m["insured"][-1]["until"]
                   and m["insured"][-1]["from"] < loss_day.isoformat()]
        if kind == "loss" and len(insured) >= 2:
            insured[-1]["insured"][-1]["until"] = loss_day.isoformat()
        elif kind == "birth" and members[0]["insured"]:
            birth = first_day + timedelta(days=rng.randint(0, 20))
            members.append({
                "id": f"{h.household_id}-P{len(members) + 1}", "birth_date": birth.isoformat(),
                "insured": [{"from": birth.isoformat(), "until": None}],
                "income": {"total": 0, "salary": 0, "pension": 0, "declared": True},
                "salary_or_pension_earner": False, "involuntary_unemployment": None,
                "expected_birth": None, "specific_same_household": False,
            })
        else:
            head = members[0]
            head["income"] = amended_income(head["income"], kind)
        out[h.household_id] = case
    return out
