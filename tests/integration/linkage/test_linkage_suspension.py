"""利用停止 of linkage (issue 11 item 7): once a suspension of a person's linkage use is carried out, the 情報提供
workflow refuses their requests at the provide step (the 情報提供等記録 says why; nothing is sent) and the 情報照会
workflow sends no query about them; another person's requests go on. Through the workflows as deployed: the
provide and prepare functions read the suspension marks with their own catalog grants."""

from __future__ import annotations

import json
import secrets
from datetime import date
from typing import Any

from linkage_world import PERSONS, World

from kokuho.access.records import Actor
from kokuho.linkage.exchange_records import records_for_request
from kokuho.linkage.network import city_body
from kokuho.requests import workflow

DESK = Actor("S0201", "T-SOUDAN-01", workflow.PURPOSE)


def _provision(world: World, person: str) -> tuple[dict[str, Any], Any]:
    req = world.kyokai.make_request("2", PERSONS[person][0], city_body())
    return req, world.aws.run_state_machine("linkage-provision", req, name=f"prov-{secrets.token_hex(4)}",
                                            timeout_s=120)


def _query(world: World, person: str) -> Any:
    return world.aws.run_state_machine("linkage-query", {"person_id": person, "item": "69",
                                                         "provider_body": world.provider.body_id},
                                       name=f"q-{secrets.token_hex(4)}", timeout_s=120)


def _suspend_linkage(person: str) -> None:
    on = date(2026, 4, 10)
    workflow.receive_request(DESK, f"R-{person}", person, "suspension", on, "旅券",
                             {"categories": ["linkage"], "grounds": "目的外の提供があったと考えるため"})
    workflow.decide_request(DESK, person, f"R-{person}", "granted", on)
    workflow.carry_out_request(DESK, person, f"R-{person}", on)


def test_a_suspended_persons_data_is_neither_provided_nor_queried_about(world: World) -> None:
    _, before = _provision(world, "P100")
    assert before["status"] == "provided"
    _suspend_linkage("P100")
    req, reply = _provision(world, "P100")
    assert reply == {"request_id": req["request_id"], "status": "refused", "reason": "use_suspended"}
    (rec,) = records_for_request(req["request_id"])
    assert (rec.outcome, rec.reason, rec.person_id, json.loads(rec.fields_sent)) == (
        "refused", "use_suspended", "P100", [])
    _, other = _provision(world, "P200")
    assert other["status"] == "provided"  # another person's requests go on
    out = _query(world, "P100")
    assert out["status"] == "not_sent" and out["error"] == "QueryError"
