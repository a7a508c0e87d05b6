"""Synthetic 情報連携 (information linkage) data for the demo: which persons of the synthetic city take
part, their resident references (住民票コード-like, for 符号 registration), their provision copies
(副本, 情報提供データベース) and what another insurer holds about a person the city queries.

Deterministic like the city: derived from person ids, never from My Number. Pure: no AWS.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kokuho_local.synthetic.city import City, SynthHousehold

CITY_INSURER_NUMBER = "401000"  # fictitious 保険者番号 of the synthetic city
PREVIOUS_INSURER_NUMBER = "401307"  # fictitious 保険者番号 of the sandbox provider (another city's NHI)


@dataclass(frozen=True)
class LinkagePersons:
    """The persons of the demo's linkage step (distinct when the city has enough insured persons)."""

    auto: tuple[SynthHousehold, str]  # asked about by 全国健康保険協会 (item 2, answered automatically)
    held: tuple[SynthHousehold, str]  # asked about by a prefecture (自動応答不可 item, a person approves)
    query: tuple[SynthHousehold, str]  # the city asks their previous insurer (item 70)

    def all(self) -> list[tuple[SynthHousehold, str]]:
        seen: dict[str, tuple[SynthHousehold, str]] = {}
        for hh, pid in (self.auto, self.held, self.query):
            seen.setdefault(pid, (hh, pid))
        return list(seen.values())


def resident_ref(person_id: str) -> str:
    """A stable 11-digit 住民票コード-like reference: 11 digits, so it can never pass for a My Number."""
    digest = int(hashlib.sha256(f"resident:{person_id}".encode()).hexdigest(), 16)
    return f"1{digest % 10**10:010d}"


def member(household: SynthHousehold, person_id: str) -> dict[str, Any]:
    return next(m for m in household.case["household"]["members"] if m["id"] == person_id)


def _age(birth: str, on: date) -> int:
    b = date.fromisoformat(birth)
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


def _insured_members(city: City) -> list[tuple[SynthHousehold, dict[str, Any]]]:
    return [(h, m) for h in city.households for m in h.case["household"]["members"] if m["insured"]]


def pick_persons(city: City) -> LinkagePersons:
    """Who the demo's linkage step is about: a person who left NHI for employee insurance during the year
    (the kind 協会けんぽ asks about), any insured person, and a person who joined during the year (転入:
    the city asks the previous insurer). Falls back to any insured person in a small city."""
    fy = city.fiscal_year
    insured = _insured_members(city)
    if not insured:
        raise ValueError("the synthetic city has no insured person")
    used: set[str] = set()

    def first(pred: Any) -> tuple[SynthHousehold, str]:
        for pass_ in (pred, lambda h, m: True):
            for h, m in insured:
                if m["id"] not in used and pass_(h, m):
                    used.add(m["id"])
                    return h, str(m["id"])
        h, m = insured[0]  # fewer insured persons than steps: a person takes part twice
        return h, str(m["id"])

    april = date(fy, 4, 1).isoformat()
    left = first(lambda h, m: m["insured"][-1]["until"] is not None
                 and _age(m["birth_date"], date.fromisoformat(m["insured"][-1]["until"])) < 74)
    joined = first(lambda h, m: m["insured"][0]["from"] > april and m["birth_date"] < april)
    held = first(lambda h, m: True)
    return LinkagePersons(auto=left, held=held, query=joined)


def _member_no(household: SynthHousehold, person_id: str) -> int:
    """The person's place in the household (1 = first), whatever the shape of the ids."""
    return 1 + [m["id"] for m in household.case["household"]["members"]].index(person_id)


def copay_ratio(age: int) -> str:
    """一部負担金の割合 (国保法第42条): 2割 before school age (未就学) and from 70, else 3割 (the synthetic city
    holds no 現役並み所得者 flag, so 70–74 are all 2割)."""
    return "2割" if age < 6 or age >= 70 else "3割"


def _payments(rng: random.Random, start: date, end: date) -> list[dict[str, Any]]:
    months = []
    d = date(start.year, start.month, 1)
    while d <= end:
        months.append(d.strftime("%Y-%m"))
        d = (d + timedelta(days=32)).replace(day=1)
    chosen = sorted(rng.sample(months, k=min(len(months), rng.randint(0, 2))))
    return [{"month": m, "kind": "療養の給付", "amount": rng.randrange(1_000, 60_000, 10)} for m in chosen]


def provision_copy(household: SynthHousehold, person_id: str, as_of: date,
                   premium_assessed: int | None) -> dict[str, Any]:
    """The person's provision copy (副本) as the city would hold it on `as_of`: qualification from the
    case, the household's assessed annual premium (保険料賦課額) of the fiscal year, a few benefit
    payments drawn deterministically (the synthetic city runs no benefits)."""
    m = member(household, person_id)
    first, last = m["insured"][0], m["insured"][-1]
    lost = last["until"]
    insured_now = first["from"] <= as_of.isoformat() and (lost is None or lost > as_of.isoformat())
    rng = random.Random(f"copy:{person_id}")
    copy: dict[str, Any] = {
        "insurer_number": CITY_INSURER_NUMBER,
        "insured_symbol_number": f"北九-{household.household_id[1:]}-{_member_no(household, person_id)}",
        "qualification_status": "insured" if insured_now else "not_insured",
        "qualification_acquired_on": first["from"],
        "copay_ratio": copay_ratio(_age(m["birth_date"], as_of)),
        "benefit_payments": _payments(rng, date.fromisoformat(first["from"]),
                                      min(as_of, date.fromisoformat(lost) if lost else as_of)),
        "high_cost_count": 0,
        "specific_disease_certificate": False,
    }
    if lost:
        copy["qualification_lost_on"] = lost
    if premium_assessed is not None:
        copy["premium_assessed"] = {"year": int(household.case["fiscal_year"]), "amount": premium_assessed}
    return copy


def previous_insurer_data(household: SynthHousehold, person_id: str) -> dict[str, Any]:
    """What the person's previous insurer holds for item 70 (資格・給付・高額該当回数): insured there until
    the day they joined this city's NHI."""
    m = member(household, person_id)
    joined = date.fromisoformat(m["insured"][0]["from"])
    rng = random.Random(f"previous:{person_id}")
    acquired = max(date.fromisoformat(m["birth_date"]), joined - timedelta(days=rng.randint(400, 3000)))
    return {
        "insurer_number": PREVIOUS_INSURER_NUMBER, "qualification_status": "not_insured",
        "qualification_acquired_on": acquired.isoformat(), "qualification_lost_on": joined.isoformat(),
        "benefit_payments": _payments(rng, max(acquired, joined - timedelta(days=180)), joined),
        "high_cost_count": rng.randint(0, 3),
    }
