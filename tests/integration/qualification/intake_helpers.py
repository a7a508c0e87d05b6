"""Helpers of the city-file intake tests: a household registered through the API, files written as
docs/city_intake_files.md describes them (the trailer written out here, not by the code under test)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from qualification_helpers import call

from kokuho.access.records import Actor

CLERK, READER = "S1002", "S1001"
TODAY = date(2024, 11, 20)


def person(pid: str, rel: str = "世帯主", birth: str = "1975-06-15", hh: str = "H0001", **kw: Any) -> dict[str, Any]:
    return {"person_id": pid, "resident_code": atena(pid), "household_id": hh,
            "name_kanji": f"北九 {pid}", "name_kana": "キタキュウ タロウ", "birth_date": birth, "sex": "1",
            "relationship": rel, "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1",
            "resident_from": "2024-04-01", **kw}


def atena(pid: str) -> str:
    """The 宛名番号 (住民コード) the helper gives a person id: P0001 → 10000001."""
    return f"10{pid[1:]:0>6}"


def register(pid: str, *, insured_from: str | None = "2024-04-01", **kw: Any) -> None:
    status, body, _ = call("POST", "/persons", staff_id=CLERK, body=person(pid, **kw))
    assert status == 201, body
    if insured_from is not None:
        status, body, _ = call("POST", f"/persons/{pid}/qualification", staff_id=CLERK,
                               body={"reason": "move_in", "cause_on": insured_from, "version": 1})
        assert status == 200, body


def file_bytes(records: list[dict[str, Any]]) -> bytes:
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    digest = hashlib.sha256(body).hexdigest()
    return body + b'{"trailer": {"record_count": %d, "sha256": "%s"}}\n' % (len(records), digest.encode())


def run(kind: str, data: bytes, key: str = "incoming/test.jsonl", today: date = TODAY) -> dict[str, Any]:
    from kokuho.intake.apply import actor_for, intake_file

    actor: Actor = actor_for(kind, "test-run")
    return intake_file(kind, data, actor=actor, source_key=key, today=today)


def view(pid: str) -> dict[str, Any]:
    status, body, _ = call("GET", f"/persons/{pid}", staff_id=READER)
    assert status == 200, body
    return body


def errors_of(out: dict[str, Any]) -> list[tuple[int, str]]:
    assert out["status"] == "rejected", out
    return [(e["line"], e["field"]) for e in out["errors"]]
