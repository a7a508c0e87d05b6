"""賦課用世帯情報 intake through its Lambda: a file is validated whole, rejected whole, or applied."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest

from kokuho.assessment.household_cases import changed_household_ids, get_household_case
from kokuho.identity.mynumber import check_digit
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.synthetic import generate_city

CITY = generate_city(5, seed=21)


def _line(h: Any) -> dict[str, Any]:
    return {"household_id": h.household_id, "case": copy.deepcopy(h.case),
            "persons": [{"person_id": p.person_id, "my_number": p.my_number} for p in h.persons]}


def _body(lines: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode()


def _trailer(count: int, body: bytes) -> bytes:
    """The trailer as docs/intake_files.md describes it (written out here, not by the code under test)."""
    return b'{"trailer": {"record_count": %d, "sha256": "%s"}}\n' % (count, hashlib.sha256(body).hexdigest().encode())


def _file(lines: list[dict[str, Any]]) -> bytes:
    body = _body(lines)
    return body + _trailer(len(lines), body)


def _put_bytes(aws: EmbeddedAWS, key: str, data: bytes) -> dict[str, Any]:
    bucket = aws.bucket_name("exchange")
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=data)
    return dict(aws.invoke("assessment-case-intake", {"bucket": bucket, "key": key}))


def _put(aws: EmbeddedAWS, key: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    return _put_bytes(aws, key, _file(lines))


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
    body = f"{good}\n{good}\n{{not json\n".encode()
    aws.client("s3").put_object(Bucket=bucket, Key="incoming/dup.jsonl", Body=body + _trailer(3, body))
    out = aws.invoke("assessment-case-intake", {"bucket": bucket, "key": "incoming/dup.jsonl"})
    assert out["accepted"] is False
    assert [(e["line"], e["field"]) for e in out["errors"]] == [(2, "household_id"), (3, "")]


def test_a_file_cut_at_a_line_boundary_or_with_a_disagreeing_trailer_is_refused(aws: EmbeddedAWS) -> None:
    lines = [_line(h) for h in CITY.households]
    whole = _file(lines)
    cut = whole[:len(_body(lines[:3]))]  # three whole lines of five: every line valid, the trailer gone
    out = _put_bytes(aws, "incoming/cut.jsonl", cut)
    assert out["accepted"] is False
    assert [(e["line"], e["field"]) for e in out["errors"]] == [(3, "trailer")]
    body = _body(lines)
    out = _put_bytes(aws, "incoming/count.jsonl", body + _trailer(6, body))
    assert [(e["line"], e["field"]) for e in out["errors"]] == [(6, "trailer.record_count")]
    edited = copy.deepcopy(lines)  # a line changed after the trailer was written: still a valid case
    edited[2]["case"]["household"]["members"][0]["income"]["total"] += 1000
    out = _put_bytes(aws, "incoming/edited.jsonl", _body(edited) + _trailer(5, body))
    assert [(e["line"], e["field"]) for e in out["errors"]] == [(6, "trailer.sha256")]
    assert changed_household_ids(2024, None) == []


def test_the_same_person_in_two_households_is_refused_naming_both_lines(aws: EmbeddedAWS) -> None:
    lines = [_line(h) for h in CITY.households]
    moved = copy.deepcopy(lines[0]["case"]["household"]["members"][0])  # with their income
    lines[3]["case"]["household"]["members"].append(moved)
    n = len(lines[3]["case"]["household"]["members"]) - 1
    out = _put(aws, "incoming/twice.jsonl", lines)
    assert out["accepted"] is False
    ((line, field, message),) = [(e["line"], e["field"], e["message"]) for e in out["errors"]]
    assert (line, field) == (4, f"case.household.members[{n}].id") and "line 1" in message
    # the same My Number given for two person ids in two households
    lines = [_line(h) for h in CITY.households]
    lines[4]["persons"][0]["my_number"] = lines[1]["persons"][0]["my_number"]
    out = _put(aws, "incoming/number-twice.jsonl", lines)
    assert [(e["line"], e["field"]) for e in out["errors"]] == [(5, "persons[0].my_number")]
    assert "line 2" in out["errors"][0]["message"]
    assert lines[1]["persons"][0]["my_number"] not in json.dumps(out)
    assert changed_household_ids(2024, None) == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "shift_jis", "latin-1"])
def test_a_file_not_in_utf8_is_refused_with_the_byte_offset_and_line(aws: EmbeddedAWS, encoding: str) -> None:
    lines = [_line(h) for h in CITY.households[:3]]
    lines[1]["household_id"] = "H-山田" if encoding == "shift_jis" else "H-Müller"
    text = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)
    data = text.encode(encoding)
    out = _put_bytes(aws, f"incoming/{encoding}.jsonl", data + _trailer(3, data))
    assert out["accepted"] is False
    (err,) = out["errors"]
    if encoding == "utf-16":  # with its byte order mark
        assert (err["line"], err["offset"]) == (1, 0)
    elif encoding == "utf-16-le":  # no BOM: the first NUL
        assert (err["line"], err["offset"]) == (1, 1)
    else:
        first = next(i for i, b in enumerate(data) if b >= 0x80)
        assert (err["line"], err["offset"]) == (2, first)
    assert str(err["offset"]) in err["message"]
    assert changed_household_ids(2024, None) == []
