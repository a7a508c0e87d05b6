"""特定健康診査受診券 (issue 13 item 8; 高齢者の医療の確保に関する法律 第20条): who gets one, when, and on what
terms. Pure. The year's terms are data (kokuho/data/health/checkup_vouchers.json): the April day of issue, the
last day of validity and the copay.

Who: every insured person who is 40–74 in the fiscal year — reaches 40 by 31 March of the year and has not
reached 75 before its 1 April — and is insured on the day of issue (domain.md §1: ages advance on the day before
the birthday; the project's one age rule, `kokuho.premium.ages.reached_month`). A person who joins later in the
year gets one on acquisition, valid from that day (kokuho.programmes.vouchers)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from kokuho.health.ports import Voucher
from kokuho.premium.ages import april, reached_month

FIRST_AGE, LAST_AGE = 40, 74


class VoucherTermsError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class VoucherTerms:
    fiscal_year: int
    issued_on: date  # the April run's day of issue
    valid_until: date
    copay: int  # yen


def parse_terms(raw: Any) -> dict[int, VoucherTerms]:
    if not isinstance(raw, dict) or not isinstance(raw.get("fiscal_years"), dict):
        raise VoucherTermsError("fiscal_years", "must be an object of fiscal years")
    out: dict[int, VoucherTerms] = {}
    for key, t in raw["fiscal_years"].items():
        at = f"fiscal_years.{key}"
        if not (isinstance(key, str) and key.isdigit() and len(key) == 4):
            raise VoucherTermsError(at, "must be a fiscal year YYYY")
        if not isinstance(t, dict) or set(t) != {"issued_on", "valid_until", "copay"}:
            raise VoucherTermsError(at, "must have issued_on, valid_until and copay")
        fy = int(key)
        try:
            issued, until = date.fromisoformat(str(t["issued_on"])), date.fromisoformat(str(t["valid_until"]))
        except ValueError:
            raise VoucherTermsError(at, "issued_on and valid_until must be dates YYYY-MM-DD") from None
        if (issued.year, issued.month) != (fy, 4):
            raise VoucherTermsError(f"{at}.issued_on", "must be in April of the fiscal year")
        if not issued < until <= date(fy + 1, 3, 31):
            raise VoucherTermsError(f"{at}.valid_until", "must be after issued_on and within the fiscal year")
        if not isinstance(t["copay"], int) or isinstance(t["copay"], bool) or not 0 <= t["copay"] <= 100_000:
            raise VoucherTermsError(f"{at}.copay", "must be an integer number of yen from 0 to 100,000")
        out[fy] = VoucherTerms(fy, issued, until, t["copay"])
    return out


@cache
def load_terms() -> dict[int, VoucherTerms]:
    text = resources.files("kokuho.data").joinpath("health/checkup_vouchers.json").read_text("utf-8")
    return parse_terms(json.loads(text))


def terms_of(fiscal_year: int) -> VoucherTerms:
    terms = load_terms().get(fiscal_year)
    if terms is None:
        raise VoucherTermsError("fiscal_year", f"no 受診券 terms for fiscal year {fiscal_year} in the data")
    return terms


def in_checkup_ages(birth: date, fiscal_year: int) -> bool:
    """40–74 in the fiscal year: 40 reached by its 31 March, 75 not reached before its 1 April."""
    b = birth.isoformat()
    start = april(fiscal_year)
    return reached_month(b, FIRST_AGE) <= start + 11 and reached_month(b, LAST_AGE + 1) >= start


def draft(person_id: str, terms: VoucherTerms, *, valid_from: date, source: str) -> Voucher:
    """A voucher before its 整理番号 (the store numbers it when it puts it)."""
    return Voucher(person_id, terms.fiscal_year, "", valid_from, valid_from, terms.valid_until, terms.copay, source)


def age_band(birth: date, fiscal_year: int) -> str:
    """The 受診率's age band: the age on 31 March of the fiscal year, in five-year bands (40–44 … 70–74)."""
    b = birth.isoformat()
    march = april(fiscal_year) + 11
    age = next(a for a in range(LAST_AGE + 1, FIRST_AGE - 1, -1) if reached_month(b, a) <= march) \
        if reached_month(b, FIRST_AGE) <= march else FIRST_AGE
    low = FIRST_AGE + (min(age, LAST_AGE) - FIRST_AGE) // 5 * 5
    return f"{low}-{low + 4}"
