"""Attacker tests of issue 8 item 5 on the record writers: a My Number in any shape in any field of an
access record is refused naming the field and writes nothing; the texts of a 情報提供等記録 (a refusal
reason, a body name) are stored redacted; a 符号 is never requested with a number-shaped reference;
the vault keeps one form whatever the shape typed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "identity"))
from mynumber_shapes import NUMBER, SHAPES  # noqa: E402

from kokuho.access.records import AccessRecordError, Actor, record_access  # noqa: E402
from kokuho.identity.mynumber import count_my_numbers  # noqa: E402
from kokuho.platform.tables import AWS_REGION, table  # noqa: E402
from kokuho_local.embedded import EmbeddedAWS  # noqa: E402

ATTACK_SHAPES = ["plain", "full-width", "hyphens", "spaces", "nbsp", "ideographic-space", "mixed", "en-dash",
                 "minus-sign", "long-mark", "zero-width-space", "every-digit-spaced", "3-4-5"]
CLERK = Actor("S0001", "T-KOKUHO-03", "資格管理 (国保法第9条)")


def _items(logical: str) -> list[dict]:
    return boto3.client("dynamodb", region_name=AWS_REGION).scan(TableName=table(logical).name())["Items"]


FIELDS = ["staff_id", "terminal_id", "purpose", "subject_ids[0]", "subject_ids[1]", "category", "operation",
          "result", "chain"]


def test_an_access_record_field_holding_a_number_in_any_shape_is_refused(aws: EmbeddedAWS) -> None:
    for field in FIELDS:
        for shape in ATTACK_SHAPES:
            written = SHAPES[shape](NUMBER)
            actor = {"staff_id": CLERK.staff_id, "terminal_id": CLERK.terminal_id, "purpose": CLERK.purpose}
            args = {"category": "qualification", "operation": "read", "result": "ok", "chain": "SEARCH#S0001"}
            subjects = ["P0001", "P0002"]
            if field in actor:
                actor[field] = f"X {written}"
            elif field.startswith("subject_ids"):
                subjects[int(field[-2])] = f"REQ:{written}"
            else:
                args[field] = f"X#{written}"
            with pytest.raises(AccessRecordError) as refused:
                record_access(Actor(**actor), subjects, **args)  # type: ignore[arg-type]
            assert str(refused.value).startswith(f"{field}:"), (field, shape)
            assert count_my_numbers(str(refused.value), inside_identifiers=True) == 0
    assert _items("access_log") == []


def test_exchange_record_texts_are_stored_redacted(aws: EmbeddedAWS) -> None:
    from kokuho.linkage.exchange_records import Exchange, record_exchange

    for shape in ATTACK_SHAPES:
        written = SHAPES[shape](NUMBER)
        record_exchange(Exchange("provision", f"body {written}", "401005", f"item {written}", f"REQ-{written}",
                                 "2026-05-01T00:00:00.000+00:00", "refused", reason=f"approval_refused: {written}",
                                 fields_withheld=[f"f {written}"]))
    stored = json.dumps(_items("linkage_records"), ensure_ascii=False)
    assert stored.count("refused") >= len(ATTACK_SHAPES)
    assert count_my_numbers(stored, inside_identifiers=True) == 0


def test_provision_refusal_reason_of_a_reviewer_cannot_hold_a_number(aws: EmbeddedAWS) -> None:
    from kokuho.linkage.provision import DecisionError, decide

    for shape in ATTACK_SHAPES:
        with pytest.raises(DecisionError, match="must not contain a My Number"):
            decide("REQ1", False, CLERK, f"本人の申出 {SHAPES[shape](NUMBER)}", sfn=None)


def test_a_code_is_never_requested_with_a_number_shaped_reference(aws: EmbeddedAWS) -> None:
    from kokuho.linkage.codes import CodeRegistrationRefused, register_code
    from kokuho_local.sandbox import SandboxNetwork

    network = SandboxNetwork()
    for shape in ATTACK_SHAPES:
        with pytest.raises(CodeRegistrationRefused):
            register_code("P0001", SHAPES[shape](NUMBER), network, CLERK)
    assert network.codes == {} and _items("linkage") == []


def test_the_vault_keeps_one_form_whatever_the_shape(aws: EmbeddedAWS) -> None:
    from kokuho.identity.vault import find_person_by_my_number, store_my_number

    officer = Actor("S0004", "T-KOKUHO-03", "番号法第9条")
    assert store_my_number("P0001", SHAPES["full-width-with-hyphens"](NUMBER), officer) == "stored"
    for shape in ATTACK_SHAPES:
        assert store_my_number("P0001", SHAPES[shape](NUMBER), officer) == "unchanged", shape
        assert store_my_number("P0002", SHAPES[shape](NUMBER), officer) == "review", shape  # held by P0001
        assert find_person_by_my_number(SHAPES[shape](NUMBER), officer) == "P0001", shape
