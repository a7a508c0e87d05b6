"""Auditor's probe of 滞納整理: a measure's day is the clerk's (`on`, "never in the future"), and the ledger was judged
as it stood on that day. A 分納誓約, 差押 or 催告 backdated to before the 2-year limit ended was recorded after the
right had been extinguished — even written off (不納欠損) — and the pledge renewed the limit: a right that 地方自治法
第236条 extinguishes absolutely came back. A measure recorded now must find its installments collectable now too."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_arrears import KEY, STAFF, city  # noqa: E402

from kokuho.collection.arrears import arrears_view  # noqa: E402
from kokuho.collection.arrears_actions import ActionRefused, record_action  # noqa: E402
from kokuho.collection.arrears_runs import run_arrears  # noqa: E402
from kokuho.collection.reminders import run_reminders  # noqa: E402

PLEDGE = ("分納誓約", {"installments": [1], "plan": [{"on": "2026-06-30", "amount": 10_000}]})
SEIZURE = ("差押", {"installments": [1], "basis": "国税徴収法第47条", "property": "預金", "amount": 10_000})
DEMAND = ("催告", {"installments": [1]})


@pytest.mark.parametrize(("kind", "kw"), [PLEDGE, SEIZURE, DEMAND], ids=["pledge", "seizure", "demand"])
@pytest.mark.parametrize("written_off", [False, True])
def test_a_measure_backdated_before_the_limit_ended_cannot_revive_the_right(kind: str, kw: dict[str, Any],
                                                                            written_off: bool) -> None:
    store = city()
    run_reminders(store, on=date(2024, 7, 10), actor="system")  # installment 1's limit: 20 July 2026
    if written_off:
        run_arrears(store, on=date(2026, 7, 21), mode="write_off", actor="system")
    before = tuple(store.ledger_items[KEY].arrears)
    with pytest.raises(ActionRefused) as refused:
        record_action(store, KEY, kind=kind, on=date(2026, 5, 1), recorded_on=date(2026, 8, 1), staff_id=STAFF,
                      actor="staff", **kw)
    assert refused.value.field == "installments"
    assert tuple(store.ledger_items[KEY].arrears) == before  # nothing recorded
    first = arrears_view(store.ledger_items[KEY], date(2026, 8, 1)).installments[0]
    assert first.limitation is not None and first.limitation.extinguished(date(2026, 8, 1))


def test_a_measure_entered_a_few_days_late_while_the_right_stands_is_taken() -> None:
    store = city()
    run_reminders(store, on=date(2024, 7, 10), actor="system")
    kind, kw = PLEDGE
    record_action(store, KEY, kind=kind, on=date(2026, 5, 1), recorded_on=date(2026, 5, 8), staff_id=STAFF,
                  actor="staff", **kw)
    first = arrears_view(store.ledger_items[KEY], date(2026, 8, 1)).installments[0]
    assert first.limitation is not None and first.limitation.last_day == date(2028, 5, 1)
