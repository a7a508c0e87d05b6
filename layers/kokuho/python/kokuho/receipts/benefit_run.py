"""The monthly benefit run wired to DynamoDB (called by the thin handlers in functions/benefits/benefit_run.py): the
steps of kokuho.benefits.benefit_run on `kokuho.records.benefits.DynamoBenefitStore`, the workflow as the actor of
its access records."""

from __future__ import annotations

from functools import cache
from typing import Any

from kokuho.access.records import Actor
from kokuho.benefits import benefit_run
from kokuho.records.benefits import DynamoBenefitStore
from kokuho.requests.suspension import declare_use

STAFF_ID = "system:benefit-run"
PURPOSE = "給付管理: 高額療養費の算定 (国保法第57条の2)"


@cache
def store() -> DynamoBenefitStore:
    return DynamoBenefitStore()


def actor(execution_id: str) -> Actor:
    return Actor(staff_id=STAFF_ID, terminal_id=execution_id or "local", purpose=PURPOSE)


def prepare(event: dict[str, Any]) -> dict[str, Any]:
    declare_use("benefits.kogaku")  # 利用停止: a benefit owed to the person goes on (the data says which law)
    out = benefit_run.prepare(store(), dict(event.get("input") or {}), execution_name=str(event.get("execution_name")),
                              actor=actor(str(event.get("execution_id", ""))))
    return {**out, "execution_id": str(event.get("execution_id", ""))}


def run_batch(event: dict[str, Any]) -> dict[str, Any]:
    return benefit_run.run_batch(store(), event, actor=actor(str(event.get("execution_id", ""))))


def summarize(event: dict[str, Any]) -> dict[str, Any]:
    return benefit_run.summarize(store(), event)
