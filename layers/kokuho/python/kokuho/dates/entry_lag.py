"""The city's maximum entry lag (遡及入力): how many days after its own day a fact may be entered by one member of
staff alone. One rule for every setting of it (data per fiscal year of the entry day, with its basis:
data/collection/arrears_entry.json for the 滞納整理 measures, data/benefits/application_entry.json for the 支給申請
and the 療養費・出産育児一時金・葬祭費 claims); a year's setting stands until the city sets another."""

from __future__ import annotations

import functools
import json
from datetime import date
from importlib import resources
from typing import Any

from kokuho.dates.fiscal_year import fiscal_year_of


class UnknownSetting(LookupError):
    """No maximum entry lag is set for that fiscal year or any before it."""


@functools.cache
def setting_of(name: str) -> dict[str, Any]:
    """The setting file `name` under kokuho.data: description, basis, years → max_entry_lag_days."""
    raw = json.loads(resources.files("kokuho.data").joinpath(name).read_text("utf-8"))
    for key in ("description", "basis", "years"):
        if not raw.get(key):
            raise UnknownSetting(f"{name}: {key} missing (a setting says what it governs and why)")
    return dict(raw)


def max_entry_lag(name: str, entered_on: date) -> int:
    """Days a fact may be entered after its own day without a second member: the setting of the entry day's fiscal
    year, or of the latest year set before it."""
    years = {int(y): int(v["max_entry_lag_days"]) for y, v in setting_of(name)["years"].items()}
    known = [y for y in years if y <= fiscal_year_of(entered_on)]
    if not known:
        raise UnknownSetting(f"{name}: no maximum entry lag set for FY{fiscal_year_of(entered_on)} or before")
    return years[max(known)]
