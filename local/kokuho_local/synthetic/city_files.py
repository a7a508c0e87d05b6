"""The synthetic city as the city's systems deliver it (docs/city_intake_files.md), for a city drawn with
`generate_city(..., registers=True)`: the files the demo puts in the exchange bucket, and nothing else —
the NHI file, the incomes and the household cases are derived from them by the intakes.

- residents (住民基本台帳): every person arrives (転入) on 1 April of the year, householder first; a person
  insured from that day with the 国保 届出 made at the same counter (`nhi_notified`), the others covered
  elsewhere (`other_insurance`: 擬制世帯主, and those who join NHI later in the year);
- welfare (生活保護): those who join NHI later in the year leave public assistance that day (廃止:
  acquisition on the day), and a few who leave NHI during the year start it (開始: loss on the day);
- residents again: the others who leave NHI during the year move out (転出 the day before the loss);
- tax (当初課税, June): every person's income of the year before;
- care (介護保険): the 適用除外 of 40–64 year-olds, and the 介護保険料 of those 65 and over with a pension.

Pure: no AWS. Deterministic like the city.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kokuho_local.synthetic.city import City, SynthHousehold, amended_income

WELFARE_START_SHARE = 3  # one in this many of those leaving NHI during the year: 生活保護開始


@dataclass(frozen=True)
class CityFiles:
    """The files of the city in the order the intakes take them (key under city-incoming/ → records)."""

    files: list[tuple[str, list[dict[str, Any]]]]

    def lines(self, kind: str) -> int:
        return sum(len(records) for key, records in self.files if key.startswith(f"{kind}/"))


def atena_of(person_id: str) -> str:
    return person_id.removeprefix("A")


def _age(birth: str, on: date) -> int:
    b = date.fromisoformat(birth)
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


def _relationship(members: list[dict[str, Any]], i: int, april: date) -> str:
    if i == 0:
        return "世帯主"
    head, me = _age(members[0]["birth_date"], april), _age(members[i]["birth_date"], april)
    return ("妻" if i % 2 else "夫") if i == 1 and abs(head - me) <= 5 and me >= 18 else "子"


def _arrival(h: SynthHousehold, i: int, april: date) -> dict[str, Any]:
    from kokuho_local.local_api import sample_person

    m = h.case["household"]["members"][i]
    fields = sample_person(m["id"], h.household_id, int(h.household_id[1:]), i + 1,
                           relationship=_relationship(h.case["household"]["members"], i, april),
                           birth_date=m["birth_date"], sex="1" if i % 2 == 0 else "2",
                           resident_from=april.isoformat())
    from_april = bool(m["insured"]) and m["insured"][0]["from"] == april.isoformat()
    line = {"atena_no": atena_of(m["id"]), "event": "転入", "event_date": april.isoformat(),
            "household_no": h.household_id, "relationship": fields["relationship"],
            "name_kanji": fields["name_kanji"], "name_kana": fields["name_kana"], "birth_date": m["birth_date"],
            "sex": fields["sex"], "postal_code": fields["postal_code"], "address": fields["address"],
            "other_insurance": not from_april}
    if from_april:
        line["nhi_notified"] = True
    return line


def city_files(city: City) -> CityFiles:
    if not city.registers:
        raise ValueError("the city was not drawn for its files: generate_city(..., registers=True)")
    fy = city.fiscal_year
    april = date(fy, 4, 1)
    arrivals: list[dict[str, Any]] = []
    welfare: list[dict[str, Any]] = []
    departures: list[dict[str, Any]] = []
    incomes: list[dict[str, Any]] = []
    care: list[dict[str, Any]] = []
    leaving = 0
    for h in city.households:
        members = h.case["household"]["members"]
        for i, m in enumerate(members):
            atena = atena_of(m["id"])
            arrivals.append(_arrival(h, i, april))
            incomes.append({"atena_no": atena, "income_year": fy - 1, "assessment": "initial",
                            "income": dict(m["income"]), "salary_or_pension_earner": m["salary_or_pension_earner"]})
            if m["insured"]:
                start, until = m["insured"][0]["from"], m["insured"][-1]["until"]
                if start != april.isoformat():
                    welfare.append({"atena_no": atena, "event": "廃止", "event_date": start})
                elif until is not None:
                    leaving += 1
                    if i == 0 or leaving % WELFARE_START_SHARE == 0:  # a householder stays in the household
                        welfare.append({"atena_no": atena, "event": "開始", "event_date": until})
                    else:
                        day_before = date.fromisoformat(until) - timedelta(days=1)
                        departures.append({"atena_no": atena, "event": "転出", "event_date": day_before.isoformat()})
            age = _age(m["birth_date"], april)
            if m.get("care_exempt"):
                care.append({"atena_no": atena, "fiscal_year": fy, "second_insured_exempt": m["care_exempt"],
                             "care_premium": 0})
            elif age >= 65 and m["income"]["pension"] >= 180_000:  # 特別徴収 candidates: 介護保険料 of the year
                care.append({"atena_no": atena, "fiscal_year": fy, "second_insured_exempt": [],
                             "care_premium": 60_000 + (m["income"]["total"] // 1000) % 40 * 1_200})
    files = [(f"residents/{april.isoformat()}-arrivals.jsonl", arrivals),
             (f"welfare/{fy}-public-assistance.jsonl", welfare),
             (f"residents/{fy}-zz-departures.jsonl", departures),
             (f"tax/{fy}-06-initial.jsonl", incomes),
             (f"care/{fy}-06-care.jsonl", care)]
    return CityFiles([(key, records) for key, records in files if records])


def my_numbers(city: City) -> list[tuple[str, str]]:
    """(person id, My Number) of every person: the 本人確認情報 the register hands the vault (never a file)."""
    return [(p.person_id, p.my_number) for h in city.households for p in h.persons]


def month_files(city: City, month: str, *, share: float = 0.05,
                seed: int = 7) -> tuple[CityFiles, list[tuple[str, str]]]:
    """The files a month brings (as `month_changes` draws it, for a city drawn for its files): tax 更正 of a
    householder's income after an amended declaration (up or down), a member leaving NHI (転出; a
    householder: 生活保護開始), a birth (出生, with the parents' 届出). Also the newborns' My Numbers."""
    import random

    from kokuho_local.synthetic.city import atena_no, my_number

    if not city.registers:
        raise ValueError("the city was not drawn for its files: generate_city(..., registers=True)")
    rng = random.Random(f"{seed}:{month}:{len(city.households)}:files")
    numbers = random.Random(f"{seed}:births:{month}")
    year, mon = int(month[:4]), int(month[5:7])
    first_day = date(year, mon, 1)
    register: list[dict[str, Any]] = []
    welfare: list[dict[str, Any]] = []
    tax: list[dict[str, Any]] = []
    born: list[tuple[str, str]] = []
    for h in city.households:
        if rng.random() >= share:
            continue
        members = h.case["household"]["members"]
        kind = rng.choice(["income_down", "income_up", "loss", "birth"])
        day = first_day + timedelta(days=rng.randint(0, 20))
        insured = [(i, m) for i, m in enumerate(members) if m["insured"] and not m["insured"][-1]["until"]
                   and m["insured"][-1]["from"] < day.isoformat()]
        if kind == "loss" and len(insured) >= 2:
            i, m = insured[-1]
            if i == 0:
                welfare.append({"atena_no": atena_of(m["id"]), "event": "開始", "event_date": day.isoformat()})
            else:
                register.append({"atena_no": atena_of(m["id"]), "event": "転出",
                                 "event_date": (day - timedelta(days=1)).isoformat()})
        elif kind == "birth" and members[0]["insured"]:
            from kokuho_local.local_api import sample_person

            n = len(members) + 1
            atena = atena_no(int(h.household_id[1:]), n)
            fields = sample_person(f"A{atena}", h.household_id, int(h.household_id[1:]), n, relationship="子",
                                   birth_date=day.isoformat(), sex=str(1 + n % 2), resident_from=day.isoformat())
            register.append({"atena_no": atena, "event": "出生", "event_date": day.isoformat(),
                             "household_no": h.household_id, "relationship": "子",
                             "name_kanji": fields["name_kanji"], "name_kana": fields["name_kana"],
                             "sex": fields["sex"], "postal_code": fields["postal_code"], "address": fields["address"],
                             "other_insurance": False, "nhi_notified": True})
            born.append((f"A{atena}", my_number(numbers)))
        elif kind in ("income_down", "income_up"):
            head = members[0]
            tax.append({"atena_no": atena_of(head["id"]), "income_year": city.fiscal_year - 1,
                        "assessment": "correction", "income": amended_income(head["income"], kind),
                        "salary_or_pension_earner": head["salary_or_pension_earner"]})
    files = [(f"residents/{month}-changes.jsonl", register), (f"welfare/{month}-public-assistance.jsonl", welfare),
             (f"tax/{month}-corrections.jsonl", tax)]
    return CityFiles([(key, records) for key, records in files if records]), born
