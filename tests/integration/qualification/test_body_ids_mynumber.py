"""Auditor's probe: a My Number in an id a member of staff types into a POST body of the newer routes (the benefits'
application, 差止 and repayment ids, a claim's person) — plain or 4-4-4 with hyphens, both inside the ids' pattern —
is refused with a 4xx naming the field and stores nothing, as the qualification routes' every field already was.
Before the fix the ids went into the receipts table's keys (CloudTrail logs key values in clear) and the answer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, get_args, get_type_hints

import pytest
from pydantic import BaseModel
from qualification_helpers import all_table_text, benefit_household, call, item_counts

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "identity"))
from mynumber_shapes import NUMBER, SHAPES  # noqa: E402

from kokuho.access.records import Actor  # noqa: E402
from kokuho.identity.mynumber import count_my_numbers  # noqa: E402

CLERK, CHIEF = "S1018", "S1019"
ACCOUNT = {"bank_code": "0001", "branch_code": "002", "account_type": "普通", "account_number": "1234567",
           "holder_kana": "シケン　ハジメ"}
SHAPED = ("plain", "hyphens")  # the shapes the ids' pattern ^[A-Za-z0-9_-]{1,64}$ lets through


def world() -> None:
    from datetime import date

    from kokuho.benefits.payment import HouseholdPlan, RecoveryClaim
    from kokuho.records.benefit_payments import DynamoBenefitPaymentStore

    benefit_household()
    system = Actor("system:test", "t", "test")
    claim = RecoveryClaim("BR-H1-2024-10-2", "H1", "2024-10", 50_000, 1, "2025-09-02", "2025-10-02", "P1",
                          "資格喪失後の受診に係る支給", ("P1",))
    DynamoBenefitPaymentStore().commit(HouseholdPlan("H1", claims=[claim]), [], on=date(2025, 9, 2), persons=["P1"],
                                       actor=system, chain="test")


# (staff, path, a valid body, the id field)
WRITES: list[tuple[str, str, dict[str, Any], str]] = [
    (CLERK, "/benefits/H1/applications",
     {"application_id": "A-1", "months": ["2024-10"], "account": ACCOUNT},
     "application_id"),
    (CHIEF, "/benefits/H1/withholdings",
     {"action": "withhold", "decision_id": "D1", "basis": "国保法第63条の2", "on": "2025-08-25"}, "decision_id"),
    (CLERK, "/benefits/H1/claims/BR-H1-2024-10-2/repayments",
     {"repayment_id": "R1", "on": "2026-01-10", "amount": 1}, "repayment_id"),
    (CLERK, "/benefits/H1/other-claims",
     {"kind": "療養費", "subkind": "柔道整復", "person_id": "P1", "event_on": "2025-06-03", "received_on": "2025-06-20",
      "paid": 12_000, "standard": 10_000, "account": ACCOUNT}, "person_id"),
]


@pytest.mark.parametrize("staff,path,body,field", WRITES, ids=[w[3] for w in WRITES])
def test_an_id_holding_a_my_number_is_refused_naming_the_field(staffed: None, staff: str, path: str,
                                                                body: dict[str, Any], field: str) -> None:
    world()
    before = item_counts("receipts")
    for shape in SHAPED:
        status, out, resp = call("POST", path, staff_id=staff, body={**body, field: SHAPES[shape](NUMBER)})
        held = count_my_numbers(resp["body"], inside_identifiers=True)
        assert held == 0, (shape, status, "a My Number in the answer (not shown)")
        assert status == 422 and field in resp["body"] and "My Number" in resp["body"], (shape, status, out)
    assert item_counts("receipts") == before  # nothing stored
    assert count_my_numbers(all_table_text(), inside_identifiers=True) == 0
    assert call("POST", path, staff_id=staff, body=body)[0] == 201  # the same body with a real id goes in


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (through Annotated, Optional, list[...])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation, *(m for f in annotation.model_fields.values() for m in _models(f.annotation))]
    return [m for arg in get_args(annotation) for m in _models(arg)]


def test_every_body_model_of_every_route_holds_the_one_body_rule() -> None:
    # A route added with its own BaseModel would skip the rule (as the benefit routes' ids did): held here.
    from qualification.api import ROUTES

    from kokuho.identity.request_bodies import ClosedIn

    bodies = {m for spec in ROUTES for hint in get_type_hints(spec.handler, include_extras=True).values()
              for m in _models(hint)}
    assert len(bodies) > 20  # the route table's bodies were found
    assert sorted(m.__qualname__ for m in bodies if not issubclass(m, ClosedIn)) == []
