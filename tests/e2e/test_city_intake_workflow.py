"""The city-file intake as deployed: files in the exchange bucket's city-incoming/, the `city-intake` state
machine (the ASL CDK deploys) run on the embedded AWS, each file applied or refused whole and moved out,
a file too large for one invocation taken again until done."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

import pytest

from kokuho.assessment.household_cases import get_household_case
from kokuho.records import qualification as repo
from kokuho_local.embedded import EmbeddedAWS


def _file(records: list[dict[str, Any]]) -> bytes:
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    return body + b'{"trailer": {"record_count": %d, "sha256": "%s"}}\n' % (
        len(records), hashlib.sha256(body).hexdigest().encode())


def _arrival(no: str, rel: str, birth: str) -> dict[str, Any]:
    return {"atena_no": no, "event": "転入", "event_date": "2024-04-01", "household_no": "S0100",
            "relationship": rel, "name_kanji": "門司 花子", "name_kana": "モジ ハナコ", "birth_date": birth,
            "sex": "2", "postal_code": "801-0852", "address": "北九州市門司区港町1-1", "other_insurance": False}


def _income(no: str, total: int) -> dict[str, Any]:
    return {"atena_no": no, "income_year": 2023, "assessment": "initial",
            "income": {"total": total, "salary": total, "pension": 0, "declared": True},
            "salary_or_pension_earner": True}


def _put(aws: EmbeddedAWS, key: str, data: bytes) -> None:
    aws.client("s3").put_object(Bucket=aws.bucket_name("exchange"), Key=key, Body=data)


def _keys(aws: EmbeddedAWS, prefix: str) -> list[str]:
    """The files under `prefix` (each taken file's record of subjects under subjects/: `_subjects`)."""
    resp = aws.client("s3").list_objects_v2(Bucket=aws.bucket_name("exchange"), Prefix=prefix)
    return sorted(o["Key"] for o in resp.get("Contents", []))


def _subjects(aws: EmbeddedAWS, key: str) -> list[str]:
    """Whose data the file holds, recorded under subjects/ when it was moved out (a legal hold reaches it)."""
    body = aws.client("s3").get_object(Bucket=aws.bucket_name("exchange"), Key=f"subjects/{key}.json")["Body"]
    return list(json.loads(body.read())["subjects"])


def _run(aws: EmbeddedAWS) -> list[dict[str, Any]]:
    out = aws.run_state_machine("city-intake", {}, name=f"ci-{secrets.token_hex(4)}", timeout_s=300)
    return list(out["files"])


def test_the_daily_run_takes_the_register_first_applies_and_refuses_whole_files(aws: EmbeddedAWS) -> None:
    _put(aws, "city-incoming/tax/2024-06-10.jsonl", _file([_income("20000001", 3_000_000),
                                                          _income("20000002", 0)]))
    _put(aws, "city-incoming/residents/2024-06-09.jsonl", _file([_arrival("20000001", "世帯主", "1980-01-01"),
                                                                _arrival("20000002", "子", "2010-01-01")]))
    _put(aws, "city-incoming/welfare/2024-06-09.jsonl", _file([{"atena_no": "99999999", "event": "開始",
                                                               "event_date": "2024-06-01"}]))
    files = _run(aws)
    assert [(f["key"].split("/")[1], f["status"]) for f in files] == [
        ("residents", "applied"), ("welfare", "rejected"), ("tax", "applied")]
    assert _keys(aws, "city-incoming/") == []
    assert _keys(aws, "processed/city/") == ["processed/city/residents/2024-06-09.jsonl",
                                             "processed/city/tax/2024-06-10.jsonl"]
    assert _keys(aws, "rejected/city/") == ["rejected/city/welfare/2024-06-09.jsonl",
                                            "rejected/city/welfare/2024-06-09.jsonl.errors.json"]
    body = aws.client("s3").get_object(Bucket=aws.bucket_name("exchange"),
                                       Key="rejected/city/welfare/2024-06-09.jsonl.errors.json")["Body"].read()
    assert [(e["line"], e["field"]) for e in json.loads(body)["errors"]] == [(1, "atena_no")]
    assert {"A20000001", "A20000002"} <= set(_subjects(aws, "processed/city/residents/2024-06-09.jsonl"))
    assert {"A20000001", "A20000002"} <= set(_subjects(aws, "processed/city/tax/2024-06-10.jsonl"))
    assert _subjects(aws, "rejected/city/welfare/2024-06-09.jsonl") is not None  # refused: its own record
    case = get_household_case("S0100", 2024)
    assert case is not None
    assert [m["income"]["total"] for m in case["household"]["members"]] == [3_000_000, 0]
    # the same file delivered again is answered duplicate and changes nothing
    _put(aws, "city-incoming/tax/2024-06-10-again.jsonl", _file([_income("20000001", 3_000_000),
                                                                _income("20000002", 0)]))
    assert [f["status"] for f in _run(aws)] == ["duplicate"]


def test_a_file_too_large_for_one_invocation_is_taken_again_until_done(aws: EmbeddedAWS,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    city = importlib.import_module("city.files")
    monkeypatch.setattr(city, "RESERVE_MS", 10**9)  # out of time after every line: one line an invocation
    lines = [_arrival("20000001", "世帯主", "1980-01-01"), _arrival("20000002", "子", "2010-01-01"),
             _arrival("20000003", "子", "2012-01-01")]
    _put(aws, "city-incoming/residents/big.jsonl", _file(lines))
    (out,) = _run(aws)
    assert out["status"] == "applied"
    household = repo.get_household("S0100")
    assert household is not None and [m.person_id for m in household.members] == [
        "A20000001", "A20000002", "A20000003"]
    # taken in three invocations: the record names every part's persons, and no pending record is left
    assert {"A20000001", "A20000002", "A20000003"} <= set(_subjects(aws, "processed/city/residents/big.jsonl"))
    assert _keys(aws, "city-incoming/") == []


def test_a_tax_correction_is_reassessed_by_the_next_monthly_run(aws: EmbeddedAWS) -> None:
    """The data path of issue 15: register → 届出 confirmed → June income → 本算定; a 更正 of the income
    later → the next monthly run writes a 更正 version computed from the re-projected case."""
    from datetime import date

    from monthly_helpers import run_steps

    from kokuho.access.records import Actor
    from kokuho.intake.apply import actor_for, intake_file
    from kokuho.premium import compute_case
    from kokuho.qualification import application
    from kokuho.qualification.reasons import Reason
    from kokuho.records.assessments import versions_of

    def take(kind: str, records: list[dict[str, Any]]) -> None:
        out = intake_file(kind, _file(records), actor=actor_for(kind, "t"), source_key=kind, today=date(2024, 11, 20))
        assert out["status"] == "applied", out

    take("residents", [_arrival("20000001", "世帯主", "1980-01-01"), _arrival("20000002", "子", "2010-01-01")])
    clerk = Actor("S1002", "T-KOKUHO-01", "資格取得の届出")
    for pid in ("A20000001", "A20000002"):  # the 届出 (the API's application code)
        person = repo.get_person(pid)
        assert person is not None
        application.register_qualification(clerk, pid, Reason.MOVE_IN, date(2024, 4, 1), person.version, "届出書",
                                           date(2024, 11, 20))
    take("tax", [_income("20000001", 3_000_000), _income("20000002", 0)])
    run_steps({"mode": "annual", "fiscal_year": 2024, "as_of_month": "2024-06"}, "annual")
    (first,) = versions_of("S0100", 2024)
    assert first.result == compute_case(get_household_case("S0100", 2024))
    take("tax", [{**_income("20000001", 800_000), "assessment": "correction"}])
    out = run_steps({"mode": "monthly", "fiscal_year": 2024, "as_of_month": "2024-12"}, "december")
    assert out["households_selected"] == 1
    first, second = versions_of("S0100", 2024)
    case = get_household_case("S0100", 2024)
    assert case is not None and case["household"]["members"][0]["income"]["total"] == 800_000
    assert second.result == compute_case(case) and second.result["annual"] < first.result["annual"]
