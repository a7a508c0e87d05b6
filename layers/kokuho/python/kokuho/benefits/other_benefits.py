"""療養費, 出産育児一時金 and 葬祭費 (issue 13 item 5; docs/other_benefits.md). Pure: no AWS; the caller reads the
person's insured periods, birth date and (70–74) the household's copay ratio from the store.

A claim is decided against the rules of the fiscal year of its event (kokuho/data/benefits/other_benefits.v1.json):
- 療養費 (補装具, 柔道整復, 海外療養費): the recognised cost is the lower of what was paid (海外療養費: converted to yen
  at the decision's rate, rounded down) and the kind's standard amount; the benefit is that cost less the copay
  equivalent (cost × the person's copay ratio, rounded half up to 10 yen). The ratio is the one the 高額療養費 uses:
  70–74 by the household's bracket (kokuho.benefits.brackets.judge), 未就学児 2割 (kokuho.premium.ages), else 3割.
- 出産育児一時金: per child, 500,000 yen (488,000 without the 産科医療補償制度) from FY2023; from 85 days of pregnancy;
  the mother insured on the birth date. Under the 直接支払制度 the provider is paid what it charged up to the amount
  (recorded; the federation settles it), the rest goes to the householder.
- 葬祭費: the ordinance's amount, to the one who held the funeral (喪主); the deceased insured on the date of death.
Never when another insurer pays the benefit (資格喪失後の給付 of the former employee insurance, …), never after the
2-year right (国保法 第110条; from the day after the care was paid for, the birth, the funeral), never without
the documents the kind requires: each refusal says why.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from kokuho.benefits.benefit_ports import HouseholdFacts
from kokuho.benefits.brackets import ELDERLY_AGE, MemberFacts, benefit_year, engine_age, judge
from kokuho.collection.arrears import years_later
from kokuho.dates.fiscal_year import fiscal_year_of
from kokuho.premium.ages import abs_month, last_preschool_month

Kind = Literal["療養費", "出産育児一時金", "葬祭費"]
KINDS: tuple[str, ...] = ("療養費", "出産育児一時金", "葬祭費")
RYOYOHI_KINDS: tuple[str, ...] = ("補装具", "柔道整復", "海外療養費")
RATIOS = {"2割": Decimal("0.2"), "3割": Decimal("0.3")}


class RulesMissing(ValueError):
    """No rules for the fiscal year of the event: refused, never guessed."""


@dataclass(frozen=True)
class KindRule:
    recognition: str
    documents: tuple[str, ...]
    foreign: bool


@dataclass(frozen=True)
class Rules:
    fiscal_year: int
    ryoyohi: dict[str, KindRule]
    copay_rounding_yen: int
    childbirth_per_child: int
    childbirth_per_child_without_compensation: int
    min_gestation_days: int
    funeral_amount: int
    claim_years: int
    # where the 葬祭費 amount comes from: "ordinance: …" or "city_setting: …" (recorded with every decision)
    funeral_basis: str = ""


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    text = resources.files("kokuho.data").joinpath("benefits/other_benefits.v1.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    return raw


def rules_for(event_on: date) -> Rules:
    fy = fiscal_year_of(event_on)
    y = _raw()["fiscal_years"].get(str(fy))
    if y is None:
        raise RulesMissing(f"no rules of 療養費・出産育児一時金・葬祭費 for fiscal year {fy}")
    birth = y["childbirth"]
    return Rules(
        fy, {k: KindRule(str(v["recognition"]), tuple(v["documents"]), bool(v.get("paid_in_foreign_currency")))
             for k, v in y["ryoyohi"].items()},
        int(y["copay_rounding_yen"]), int(birth["amount_per_child"]),
        int(birth["amount_per_child_without_compensation"]), int(birth["min_gestation_days"]),
        int(y["funeral"]["amount"]), int(y["claim_years"]), _funeral_basis(fy, y["funeral"]))


FUNERAL_SOURCES = ("ordinance", "city_setting")


def _funeral_basis(fy: int, funeral: dict[str, Any]) -> str:
    """The label of the year's 葬祭費 figure: the ordinance's, or a setting of the city said to be one."""
    source, basis = funeral.get("source"), str(funeral.get("basis") or "").strip()
    if source not in FUNERAL_SOURCES:
        raise RulesMissing(f"fiscal_years.{fy}.funeral.source: one of {', '.join(FUNERAL_SOURCES)} (where the "
                           "葬祭費 amount comes from)")
    if not basis:
        raise RulesMissing(f"fiscal_years.{fy}.funeral.basis: the ordinance's article, or why the city sets it")
    return f"{source}: {basis}"


@dataclass(frozen=True)
class Claim:
    """A claim as filed (surrogate ids only). `person_id`: the patient (療養費), the mother (出産), the deceased (葬祭).
    `event_on`: the day the care was paid for / the birth / the death (the right runs from the day after)."""

    claim_id: str
    kind: str
    household_id: str
    person_id: str
    event_on: date
    received_on: date
    documents: tuple[str, ...] = ()
    other_insurer_pays: bool = False
    # 療養費
    subkind: str | None = None
    paid: int | None = None  # yen paid (not 海外療養費)
    standard: int | None = None  # the kind's standard amount for the care (yen)
    paid_foreign: Decimal | None = None  # 海外療養費: the amount paid abroad, in `currency`
    currency: str | None = None
    trip_for_treatment: bool = False  # 海外療養費: travelled abroad to be treated → not covered
    # 出産育児一時金
    children: int = 1
    gestation_days: int | None = None
    compensation_scheme: bool = True  # 産科医療補償制度
    provider_code: str | None = None  # 直接支払制度: the provider paid directly
    provider_charged: int | None = None
    # 葬祭費
    chief_mourner: str | None = None  # 喪主's name (the payee)
    funeral_on: date | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in self.__dict__.items():
            if v is None:
                continue
            out[k] = v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, Decimal) else \
                list(v) if isinstance(v, tuple) else v
        return out

    @staticmethod
    def from_json(d: dict[str, Any]) -> Claim:
        args = dict(d)
        for k in ("event_on", "received_on", "funeral_on"):
            if args.get(k):
                args[k] = date.fromisoformat(args[k])
        if args.get("paid_foreign") is not None:
            args["paid_foreign"] = Decimal(str(args["paid_foreign"]))
        args["documents"] = tuple(args.get("documents") or ())
        return Claim(**args)


def claim_id_of(kind: str, household_id: str, person_id: str, event_on: date, subkind: str | None) -> str:
    """The same event claimed twice is one claim: its id derives from what it is a claim for (no personal data in
    it; at most 10 digits in a row, never shaped like a My Number)."""
    digest = hashlib.sha256(f"{kind}|{subkind or ''}|{household_id}|{person_id}|{event_on}".encode()).hexdigest()
    return "OB-" + digest[:10].upper()


@dataclass(frozen=True)
class Facts:
    """What the store knows of the claim's person: insured on the event day, birth date, and for 70–74 the copay
    ratio of the household's bracket (高齢受給者証)."""

    insured_on_event: bool
    birth_date: date | None = None
    ratio70: str | None = None


@dataclass(frozen=True)
class Decision:
    approved: bool
    amount: int  # the whole benefit (yen)
    to_payee: int  # transferred to the payee (householder, or the 喪主)
    to_provider: int = 0  # 直接支払制度: paid to the provider
    reasons: tuple[str, ...] = ()
    basis: dict[str, Any] = field(default_factory=dict)


def facts_of(household: HouseholdFacts, person_id: str, day: date) -> Facts | None:
    """What a decision needs of `person_id` on `day`, from the household as the benefit run reads it (None: not a
    member of the household). The 70–74 copay ratio is the household's bracket's (judge, the one rule)."""
    span = next((s for s in household.members if s.person_id == person_id), None)
    if span is None:
        return None
    insured = any(p.start <= day and (p.until is None or day < p.until) for p in span.periods)
    month = (day.year, day.month)
    ratio70 = None
    if insured and engine_age(span.birth_date, month) >= ELDERLY_AGE:
        members = [MemberFacts(s.person_id, s.birth_date, s.insured_in(month)) for s in household.members
                   if s.member_in(month)]
        if all(m.person_id != person_id for m in members):
            members.append(MemberFacts(person_id, span.birth_date, True))
        brackets = judge(month, household.householder_id, members, household.incomes.get(benefit_year(month), {}),
                         with_basis=False)
        ratio70 = brackets.copay_ratios.get(person_id)
    return Facts(insured, span.birth_date, ratio70)


def copay_ratio(birth: date, service_on: date, ratio70: str | None) -> str:
    """The person's copay ratio in the month of `service_on`, by the rules the 高額療養費 uses for ages."""
    month = (service_on.year, service_on.month)
    if engine_age(birth, month) >= ELDERLY_AGE:
        if ratio70 not in RATIOS:
            raise ValueError("a 70–74 person's copay ratio comes from the household's bracket: not given")
        return str(ratio70)
    if abs_month(service_on.isoformat()) <= last_preschool_month(birth.isoformat()):
        return "2割"
    return "3割"


def _round_to(value: Decimal, unit: int) -> int:
    return int((value / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * unit


def _refused(reasons: list[str], basis: dict[str, Any]) -> Decision:
    return Decision(False, 0, 0, 0, tuple(reasons), basis)


def right_last_day(claim: Claim, rules: Rules) -> date:
    """The last day the claim's right can be claimed (国保法第110条: 2 years). It runs from the day after the event:
    the care paid for, the birth — for a 葬祭費 the funeral, not the death (the death day stands in when the funeral's
    day is not given)."""
    start = claim.funeral_on if claim.kind == "葬祭費" and claim.funeral_on is not None else claim.event_on
    return years_later(start, rules.claim_years)


def decide(claim: Claim, facts: Facts, rules: Rules, *, rate: Decimal | None = None) -> Decision:
    """The decision of a claim: approved with its amount and basis, or refused with every reason found.
    `rate`: yen per unit of the claim's currency on the decision day (海外療養費 only)."""
    reasons: list[str] = []
    basis: dict[str, Any] = {"fiscal_year": rules.fiscal_year, "kind": claim.kind}
    if claim.kind not in KINDS:
        raise ValueError(f"kind: one of {', '.join(KINDS)}")
    if rate is not None and not (claim.kind == "療養費" and getattr(rules.ryoyohi.get(claim.subkind or ""), "foreign",
                                                                    False)):
        # a rate nothing uses would leave the clerk believing it was applied
        raise ValueError("rate: only a 海外療養費 is converted at a rate")
    last_day = right_last_day(claim, rules)
    basis["claim_limit"] = last_day.isoformat()
    if claim.received_on > last_day:
        reasons.append(f"the right lapsed on {last_day.isoformat()} (2 years, 国保法第110条)")
    if claim.received_on < claim.event_on:
        reasons.append("received before the event")
    if claim.other_insurer_pays:
        reasons.append("another insurer pays this benefit")
    who = {"療養費": "the patient", "出産育児一時金": "the mother", "葬祭費": "the deceased"}[claim.kind]
    if not facts.insured_on_event:
        reasons.append(f"{who} was not insured on {claim.event_on.isoformat()}")
    if claim.kind == "療養費":
        return _ryoyohi(claim, facts, rules, rate, reasons, basis)
    if claim.kind == "出産育児一時金":
        return _childbirth(claim, rules, reasons, basis)
    if not claim.chief_mourner:
        reasons.append("the one who held the funeral (喪主) is not named")
    if claim.funeral_on is not None and claim.funeral_on < claim.event_on:
        reasons.append("the funeral is dated before the death")
    basis["amount"] = rules.funeral_amount
    basis["amount_basis"] = rules.funeral_basis  # the ordinance's figure, or the city's setting said to be one
    if reasons:
        return _refused(reasons, basis)
    return Decision(True, rules.funeral_amount, rules.funeral_amount, 0, (), basis)


def _ryoyohi(claim: Claim, facts: Facts, rules: Rules, rate: Decimal | None, reasons: list[str],
             basis: dict[str, Any]) -> Decision:
    rule = rules.ryoyohi.get(claim.subkind or "")
    if rule is None:
        raise ValueError(f"subkind: one of {', '.join(sorted(rules.ryoyohi))}")
    basis["subkind"] = claim.subkind
    missing = [d for d in rule.documents if d not in claim.documents]
    if missing:
        reasons.append("documents missing: " + ", ".join(missing))
    if claim.standard is None:
        raise ValueError("standard: the kind's standard amount is required")
    if rule.foreign:
        if claim.trip_for_treatment:
            reasons.append("travelled abroad to be treated: 海外療養費 does not cover it")
        if claim.paid_foreign is None or not claim.currency:
            raise ValueError("paid_foreign, currency: the amount paid abroad is required")
        if rate is None or rate <= 0:
            raise ValueError("rate: yen per unit of the claim's currency on the decision day is required")
        paid = int((claim.paid_foreign * rate).quantize(Decimal(1), rounding=ROUND_DOWN))
        basis.update(paid_foreign=str(claim.paid_foreign), currency=claim.currency, rate=str(rate))
    else:
        if claim.paid is None:
            raise ValueError("paid: the amount paid is required")
        paid = claim.paid
    if facts.birth_date is None:
        reasons.append("the patient's birth date is not on file")
    if reasons:
        return _refused(reasons, basis)
    assert facts.birth_date is not None
    cost = min(paid, claim.standard)  # lower_of_paid_and_standard: the only recognition of the data so far
    ratio = copay_ratio(facts.birth_date, claim.event_on, facts.ratio70)
    copay = _round_to(Decimal(cost) * RATIOS[ratio], rules.copay_rounding_yen)
    amount = cost - copay
    basis.update(paid=paid, standard=claim.standard, recognised=cost, copay_ratio=ratio, copay_equivalent=copay)
    return Decision(True, amount, amount, 0, (), basis)


def _childbirth(claim: Claim, rules: Rules, reasons: list[str], basis: dict[str, Any]) -> Decision:
    if claim.children < 1:
        raise ValueError("children: at least 1")
    if claim.gestation_days is None:
        raise ValueError("gestation_days: the days of pregnancy are required")
    if claim.gestation_days < rules.min_gestation_days:
        reasons.append(f"a birth from {rules.min_gestation_days} days of pregnancy counts; "
                       f"this was after {claim.gestation_days}")
    per_child = rules.childbirth_per_child if claim.compensation_scheme else \
        rules.childbirth_per_child_without_compensation
    amount = per_child * claim.children
    basis.update(per_child=per_child, children=claim.children, compensation_scheme=claim.compensation_scheme)
    if reasons:
        return _refused(reasons, basis)
    to_provider = 0
    if claim.provider_code is not None:
        if claim.provider_charged is None or claim.provider_charged < 0:
            raise ValueError("provider_charged: what the provider charged is required under the 直接支払制度")
        to_provider = min(claim.provider_charged, amount)
        basis.update(direct_payment={"provider_code": claim.provider_code, "charged": claim.provider_charged,
                                     "paid_to_provider": to_provider})
    return Decision(True, amount, amount - to_provider, to_provider, (), basis)


__all__ = ["KINDS", "RYOYOHI_KINDS", "Claim", "Decision", "Facts", "Rules", "RulesMissing", "claim_id_of",
           "copay_ratio", "decide", "facts_of", "fiscal_year_of", "rules_for"]
