"""Builders of 高額療養費 cases (interfaces.md shape) shared by the benefits tests."""

from __future__ import annotations

from typing import Any

from kokuho.benefits.case import parse_case
from kokuho.benefits.kogaku import KogakuResult, assess


def bill(provider: str, setting: str, total_cost: int, copay: int, *, dental: bool = False) -> dict[str, Any]:
    return {"provider": provider, "setting": setting, "dental": dental, "total_cost": total_cost, "copay": copay}


def member(member_id: str, age: int, *bills: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": member_id, "age": age, "bills": list(bills), **extra}


def case(
    *members: dict[str, Any],
    service_month: str = "2024-10",
    bracket: str | None = "ウ",
    bracket70: str | None = None,
    prior: list[str] | None = None,
    **household_extra: Any,
) -> dict[str, Any]:
    household: dict[str, Any] = {"prior_benefit_months": prior or [], "members": list(members), **household_extra}
    if bracket is not None:
        household["bracket"] = bracket
    if bracket70 is not None:
        household["bracket70"] = bracket70
    return {"service_month": service_month, "household": household}


def run(raw: dict[str, Any]) -> KogakuResult:
    return assess(parse_case(raw))


# Three benefit months within the 11 months before 2024-10: 多数回 applies in 2024-10.
THREE_PRIOR = ["2024-01", "2024-05", "2024-07"]
