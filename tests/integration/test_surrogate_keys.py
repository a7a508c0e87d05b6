"""Keys in DynamoDB requests are surrogate ids only (issue 11 item 1; domain.md §7: CloudTrail logs the key
values of every data event in clear). A person registered with a name and a My Number, the number stored,
found by number and the person read, and the counter's searches (by kana prefix, birth date, 住民コード,
postal code and address; second pages too) — with the local trail recorder on: no key value of any DynamoDB
request (nor a Query's key condition or start key, nor any key attribute of any stored item, nor any table's
key schema) holds the number, the name, the kana, the birth date, the 住民コード or the address."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import boto3

from kokuho.access.records import Actor
from kokuho.identity.mynumber import check_digit, count_my_numbers
from kokuho.identity.vault import find_person_by_my_number, store_my_number
from kokuho.platform.tables import AWS_REGION, TABLES
from kokuho.qualification import reads
from kokuho.qualification.application import read_person, register_person, wired
from kokuho.qualification.model import Person, normalize_kana
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.trail_recorder import TrailRecorder

CLERK = Actor("S0101", "T-KOKUHO-01", "資格管理 (国保法第9条)")
KANJI, KANA = "北九 花子", "キタキュウ ハナコ"
NUMBER = "12345678901" + str(check_digit("12345678901"))
GENERIC_KEYS = {"pk", "sk", "id", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"}
BIRTH, RESIDENT, POSTAL, ADDRESS = date(1980, 5, 1), "2000001", "803-8501", "小倉北区城内1-1"


def _key_values(params: dict[str, Any]) -> list[str]:
    keys = [params.get("key"), params.get("exclusiveStartKey"), params.get("expressionAttributeValues")]
    keys += [op.get("key") for item in params.get("transactItems", []) for op in item.values()]
    return [str(v) for k in keys if isinstance(k, dict) for v in k.values()]


def _clear_values(text: str) -> list[str]:
    """What of the person's searchable data shows in clear in `text` (the kana in any prefix of two or more
    letters, the names, the birth date in its forms, the 住民コード, the postal code, the address)."""
    kana = normalize_kana(KANA)
    shown = [kana[:n] for n in range(2, len(kana) + 1) if kana[:n] in text]
    shown += [v for v in (*KANJI.split(), *KANA.split(), BIRTH.isoformat(), BIRTH.strftime("%Y%m%d"),
                          POSTAL, POSTAL.replace("-", ""), ADDRESS, ADDRESS[:4]) if v in text]
    return shown


def _index_values(params: dict[str, Any]) -> list[str]:
    """The key values of a request on an index: its key condition's and its start key's."""
    if not params.get("indexName"):
        return []
    return [str(v) for k in (params.get("expressionAttributeValues"), params.get("exclusiveStartKey"))
            if isinstance(k, dict) for v in k.values()]


def test_no_key_of_a_dynamodb_request_holds_a_name_or_a_my_number(aws: EmbeddedAWS, tmp_path: Path) -> None:
    recorder = TrailRecorder(tmp_path / "trail")
    today = date(2026, 11, 30)
    with recorder.recording():
        register_person(CLERK, Person("P9001", RESIDENT, "H9001", KANJI, KANA, BIRTH, "2", "世帯主",
                                      POSTAL, ADDRESS), None, today)
        register_person(CLERK, Person("P9002", "2000002", "H9001", "北九 一郎", "キタキュウ イチロウ", BIRTH, "1",
                                      "子", POSTAL, ADDRESS), None, today)
        assert store_my_number("P9001", NUMBER, CLERK) == "stored"
        assert find_person_by_my_number(NUMBER, CLERK) == "P9001"
        assert read_person(CLERK, "P9001", today)["name_kanji"] == KANJI
        store = wired()
        for criteria in ({"kana": "きたきゅう"}, {"kana": "キタキュウ ハ"}, {"kana": "キ"},
                         {"birth_date": BIRTH.isoformat()}, {"resident_code": RESIDENT},
                         {"postal_code": POSTAL}, {"postal_code": POSTAL, "address": ADDRESS[:6]}):
            first = reads.search(store, CLERK, criteria, 1, None, today)
            assert first["items"], criteria
            if first["next_token"]:  # the second page: its start key is in the trail too
                reads.search(store, CLERK, criteria, 1, first["next_token"], today)
    dynamodb = [r.get("requestParameters") or {} for r in recorder.records
                if r["eventSource"] == "dynamodb.amazonaws.com"]
    values = [v for params in dynamodb for v in _key_values(params)]
    assert any("P9001" in v for v in values)  # the person's writes are there, by their surrogate id
    queries = [p for p in dynamodb if p.get("indexName") == "gsi1" and "qualification" in str(p.get("tableName"))]
    assert len(queries) >= 7 and all(p.get("expressionAttributeValues") for p in queries)  # the searches
    assert any(p.get("exclusiveStartKey") for p in dynamodb)  # and a second page
    text = json.dumps(values, ensure_ascii=False)
    assert count_my_numbers(text) == 0 and NUMBER not in text
    assert _clear_values(text) == []
    assert all(v.isascii() for v in values)
    # The 住民コード (宛名番号) is the city's own reference — person ids of the register's intake are made of it
    # (A<宛名番号>) and RESIDENT#<code> items are found by it —, but the search index's keys never hold it.
    assert not any(RESIDENT in v for params in dynamodb for v in _index_values(params))
    # and what is stored: every key attribute of every item, in every table
    client = boto3.client("dynamodb", region_name=AWS_REGION)
    for spec in TABLES:
        names = {spec.partition_key, spec.sort_key} | {k for ix in spec.indexes
                                                      for k in (ix.partition_key, ix.sort_key)}
        assert names - {None} <= GENERIC_KEYS, spec.logical  # keys named for what they are: ids
        for item in client.scan(TableName=spec.name())["Items"]:
            stored = json.dumps({k: v for k, v in item.items() if k in names}, ensure_ascii=False)
            assert count_my_numbers(stored) == 0, spec.logical  # no key of any table or index
            assert _clear_values(stored) == [], (spec.logical, stored)
            index_keys = [str(v) for k, v in item.items() if k.startswith("gsi")]
            assert not any(RESIDENT in v for v in index_keys), (spec.logical, index_keys)
