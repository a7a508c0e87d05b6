"""賦課用世帯情報 intake through its Lambda: a file is validated whole, rejected whole, or applied."""

from __future__ import annotations

import copy
import json
from typing import Any

from kokuho.assessment.household_cases import changed_household_ids, get_household_case
from kokuho.identity.mynumber import check_digit
from kokuho.platform.embedded import EmbeddedAWS
from kokuho.synthetic import generate_city

CITY = generate_city(5, seed=21)


def _line(h: Any) -> dict[str, Any]:
    return {"household_id": h.household_id, "case": copy.deepcopy(h.case),
            "persons": [{"person_id": p.person_id, "my_number": p.my_number} for p in h.persons]}


def _put(aws: EmbeddedAWS, key: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    bucket = aws.bucket_name("exchange")
    body = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body.encode())
    return dict(aws.invoke("assessment-case-intake", {"bucket": bucket, "key": key}))


def test_a_valid_file_is_applied_and_my_numbers_go_only_to_the_vault(aws: EmbeddedAWS) -> None:
    from kokuho.identity.vault import vault

    out = _put(aws, "incoming/ok.jsonl", [_line(h) for h in CITY.households])
    assert out["accepted"] is True
    assert (out["households"], out["persons"]) == (5, CITY.persons)
    assert out["my_numbers"] == {"stored": CITY.persons}
    assert changed_household_ids(2024, None) == sorted(h.household_id for h in CITY.households)
    assert get_household_case(CITY.households[0].household_id, 2024) is not None
    assert all(vault().has_number(p.person_id) for h in CITY.households for p in h.persons)
    numbers = {p.my_number for h in CITY.households for p in h.persons}
    # the number is stored nowhere in clear: not in the cases, not in the answer
    scan = json.dumps(aws.client("dynamodb").scan(TableName=aws.table_name("assessment"))["Items"])
    assert not any(n in scan for n in numbers)
    assert not any(n in json.dumps(out) for n in numbers)


def test_a_file_with_errors_is_rejected_whole_naming_line_and_field(aws: EmbeddedAWS) -> None:
    lines = [_line(h) for h in CITY.households]
    bad_number = lines[1]["persons"][0]["my_number"]
    wrong_digit = (int(bad_number[-1]) + 1) % 10
    assert wrong_digit != check_digit(bad_number[:11])
    lines[1]["persons"][0]["my_number"] = bad_number[:11] + str(wrong_digit)
    lines[3]["case"]["household"]["members"][0]["income"]["bonus"] = 1
    lines[4]["persons"].append({"person_id": "STRANGER", "my_number": "123456789018"})
    out = _put(aws, "incoming/bad.jsonl", lines)
    assert out["accepted"] is False
    assert [(e["line"], e["field"]) for e in out["errors"]] == [
        (2, "persons[0].my_number"),
        (4, "case.household.members[0].income.bonus"),
        (5, f"persons[{len(lines[4]['persons']) - 1}].person_id"),
    ]
    assert "123456789018" not in json.dumps(out) and bad_number[:11] not in json.dumps(out)
    assert changed_household_ids(2024, None) == []  # nothing applied, not even the good lines


def test_duplicate_households_and_broken_json_are_named(aws: EmbeddedAWS) -> None:
    bucket = aws.bucket_name("exchange")
    good = json.dumps(_line(CITY.households[0]))
    aws.client("s3").put_object(Bucket=bucket, Key="incoming/dup.jsonl",
                                Body=f"{good}\n{good}\n{{not json\n".encode())
    out = aws.invoke("assessment-case-intake", {"bucket": bucket, "key": "incoming/dup.jsonl"})
    assert out["accepted"] is False
    assert [(e["line"], e["field"]) for e in out["errors"]] == [(2, "household_id"), (3, "")]
