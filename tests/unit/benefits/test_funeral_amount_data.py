"""The 葬祭費 amount (issue 13 item 9 follow-up): data per fiscal year, each year's figure labelled with where it
comes from — the ordinance, or (neither the assessment nor domain.md states Kitakyushu's figure) a city setting —
and every decision records that label beside the amount; a year whose figure carries no label is refused, never
guessed."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from kokuho.benefits import other_benefits
from kokuho.benefits.other_benefits import Claim, Facts, RulesMissing, decide, rules_for


def _funeral(on: date) -> Claim:
    return Claim(claim_id="OB-F", kind="葬祭費", household_id="H1", person_id="P3", event_on=on,
                 received_on=on, chief_mourner="北九 花子", funeral_on=on)


def test_every_years_funeral_amount_says_where_it_comes_from() -> None:
    years = other_benefits._raw()["fiscal_years"]
    for fy, y in years.items():
        funeral = y["funeral"]
        assert funeral["source"] in ("ordinance", "city_setting"), fy
        assert funeral["basis"].strip(), fy
        if funeral["source"] == "city_setting":  # not the ordinance's own figure: said so where it is read
            assert "市の設定" in funeral["basis"], fy


@pytest.mark.parametrize("on", [date(2024, 3, 31), date(2024, 4, 1), date(2025, 11, 2)])
def test_a_decision_pays_the_years_amount_and_records_its_label(on: date) -> None:
    rules = rules_for(on)
    y = other_benefits._raw()["fiscal_years"][str(rules.fiscal_year)]["funeral"]
    d = decide(_funeral(on), Facts(True), rules)
    assert d.approved and d.amount == y["amount"] == rules.funeral_amount
    assert d.basis["amount_basis"] == f'{y["source"]}: {y["basis"]}'


def test_a_year_whose_figure_has_no_label_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    raw: dict[str, Any] = copy.deepcopy(other_benefits._raw())
    del raw["fiscal_years"]["2025"]["funeral"]["source"]
    monkeypatch.setattr(other_benefits, "_raw", lambda: raw)
    with pytest.raises(RulesMissing, match=r"fiscal_years\.2025\.funeral\.source"):
        rules_for(date(2025, 11, 2))
