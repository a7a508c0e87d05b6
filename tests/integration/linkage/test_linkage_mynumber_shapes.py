"""Attacker test of issue 8 item 5 on 情報提供: a request whose ids or names hold a My Number in any shape
is refused as malformed through the workflow (no failure, no access record naming it), and its
情報提供等記録 and reply carry the texts redacted."""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path

import boto3
from linkage_world import PERSONS, World

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "identity"))
from mynumber_shapes import NUMBER, SHAPES  # noqa: E402

from kokuho.identity.mynumber import count_my_numbers  # noqa: E402
from kokuho.linkage.network import city_body  # noqa: E402
from kokuho.platform.tables import AWS_REGION, TABLES  # noqa: E402

SHAPES_TRIED = ["full-width", "hyphens", "ideographic-space", "mixed", "minus-sign"]


def test_a_request_holding_a_number_in_any_shape_is_refused_and_recorded_redacted(world: World) -> None:
    for i, shape in enumerate(SHAPES_TRIED):
        written = SHAPES[shape](NUMBER)
        req = world.kyokai.make_request("2", PERSONS["P100"][0], city_body())
        field = ("request_id", "requester_body", "item")[i % 3]
        req[field] = f"X-{written}" if field == "request_id" else f"{req[field]} {written}"
        reply = world.aws.run_state_machine("linkage-provision", req, name=f"prov-{secrets.token_hex(4)}",
                                            timeout_s=120)
        assert reply["status"] == "refused" and reply["reason"] == "malformed_request", shape
        assert count_my_numbers(json.dumps(reply, ensure_ascii=False), inside_identifiers=True) == 0
    client = boto3.client("dynamodb", region_name=AWS_REGION)
    stored = json.dumps([client.scan(TableName=t.name())["Items"] for t in TABLES], ensure_ascii=False)
    assert stored.count("malformed_request") >= len(SHAPES_TRIED)
    assert count_my_numbers(stored, inside_identifiers=True) == 0
