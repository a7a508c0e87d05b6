"""What a 医療費通知 tells a person (pure): for each service month of the round, each provider and setting, the
total cost (医療費の総額) and what the person paid (窓口負担), from the stored receipts
(kokuho.benefits.receipt_ports.PersonMonth). Only what the receipt file holds: no diagnosis, no treatment, never a
My Number (the file carries none of them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kokuho.benefits.receipt_ports import PersonMonth
from kokuho.health.periods import Month, NoticeRound
from kokuho.health.providers import provider_name

SETTING_LABELS = {"inpatient": "入院", "outpatient": "入院外", "dental": "歯科"}


@dataclass(frozen=True)
class CostLine:
    service_month: Month
    provider_code: str
    provider_name: str
    setting: str  # 入院 / 入院外 / 歯科
    total_cost: int
    copay: int


def cost_lines(months: Iterable[PersonMonth], notice_round: NoticeRound) -> list[CostLine]:
    """The person's lines of the round, by month then provider; months outside the round are left out."""
    wanted = set(notice_round.months())
    lines = [CostLine(pm.service_month, r.provider_code, provider_name(r.provider_code),
                      SETTING_LABELS.get(r.setting, r.setting), r.total_cost, r.copay)
             for pm in months if pm.service_month in wanted for r in pm.receipts]
    return sorted(lines, key=lambda c: (c.service_month, c.provider_code, c.setting))
