"""特別徴収対象者情報 (issue 12 item 6): the insurer's notice of a person's pension (年額, insurer, 年金コード,
基礎年金番号) taken in as the city's files are — validated whole (line and field named, nothing applied),
stored through the pension port per person and year, applied once; the 基礎年金番号 never in a key, an error
or an access record."""

from __future__ import annotations

import boto3
import pytest
from intake_helpers import atena, errors_of, file_bytes, register, run

from kokuho.access.records import records_of_subject
from kokuho.platform.tables import TABLES_BY_LOGICAL
from kokuho.records.pension_targets import DynamoPensionStore

NUMBER = "1234567890"


@pytest.fixture
def household(staffed: None) -> None:
    register("P0001", birth="1955-05-01")
    register("P0002", rel="妻", birth="1957-02-01")


def line(person: str = "P0001", **patch: object) -> dict[str, object]:
    return {"atena_no": atena(person), "fiscal_year": 2024, "insurer_code": "001", "pension_code": "1150",
            "basic_pension_number": NUMBER, "pension_annual": 1_200_000, **patch}


def test_a_pension_is_stored_per_person_and_year_applied_once_its_number_in_no_key(household: None) -> None:
    out = run("pension", file_bytes([line(), line("P0002", basic_pension_number="2234567890", pension_annual=600_000)]))
    assert out["status"] == "applied" and out["applied"] == 2, out
    got = DynamoPensionStore().pensions(["P0001", "P0002", "P9999"], 2024, actor=_actor())
    assert {p: (r.annual, r.insurer_code, r.pension_code) for p, r in got.items()} == {
        "P0001": (1_200_000, "001", "1150"), "P0002": (600_000, "001", "1150")}
    assert got["P0001"].basic_pension_number == NUMBER and NUMBER not in repr(got["P0001"])
    assert run("pension", file_bytes([line()]))["status"] == "applied"  # another file: the latest notice
    again = run("pension", file_bytes([line()]), key="city-incoming/pension/again.jsonl")
    assert again["status"] == "duplicate"
    # keys are surrogate ids: the 基礎年金番号 is an attribute only (CloudTrail logs key values)
    items = boto3.client("dynamodb", region_name="ap-northeast-1").scan(
        TableName=TABLES_BY_LOGICAL["qualification"].name())["Items"]
    assert not [i for i in items if NUMBER in i["pk"]["S"] + i["sk"]["S"]]
    assert [i["sk"]["S"] for i in items if i["sk"]["S"].startswith("PENSION#")] == ["PENSION#2024"] * 2
    written = [r for r in records_of_subject("P0001") if r.category == "年金情報"]
    assert {r.operation for r in written} >= {"write", "read"}
    assert not [r for r in records_of_subject("P0001") if NUMBER in str(r)]


@pytest.mark.parametrize(("patch", "field"), [
    ({"basic_pension_number": "12345"}, "basic_pension_number"),
    ({"pension_annual": -1}, "pension_annual"),
    ({"pension_annual": 1.5}, "pension_annual"),
    ({"insurer_code": "1"}, "insurer_code"),
    ({"pension_code": "abcd"}, "pension_code"),
    ({"atena_no": "99999999"}, "atena_no"),
    ({"my_number": "x"}, "my_number"),
])
def test_a_bad_line_refuses_the_file_naming_line_and_field_nothing_applied(
        household: None, patch: dict[str, object], field: str) -> None:
    out = run("pension", file_bytes([line(), line("P0002", **patch)]))
    assert errors_of(out) == [(2, field)]
    assert NUMBER not in str(out)
    assert DynamoPensionStore().pensions(["P0001", "P0002"], 2024, actor=_actor()) == {}


def test_the_same_person_twice_in_a_file_is_refused_naming_both_lines(household: None) -> None:
    out = run("pension", file_bytes([line(), line(pension_annual=10)]))
    assert errors_of(out)[0][0] == 2 and "line 1" in str(out["errors"][0])


def test_the_insurers_stop_notice_is_stored_on_the_pension_validated_whole_applied_once(household: None) -> None:
    assert run("pension", file_bytes([line()]))["status"] == "applied"
    stop = {"atena_no": atena("P0001"), "fiscal_year": 2024, "insurer_code": "001", "pension_code": "1150",
            "notice": "中止", "stop_from": "2024-12", "reason": "死亡"}
    # a stop for a person with no pension notified refuses the whole file, the good line not applied either
    refused = run("pension", file_bytes([stop, {**stop, "atena_no": atena("P0002")}]))
    assert errors_of(refused) == [(2, "atena_no")]
    assert DynamoPensionStore().pensions(["P0001"], 2024, actor=_actor())["P0001"].stop_from is None
    out = run("pension", file_bytes([stop]))
    assert (out["status"], out["applied"], out["stops"]) == ("applied", 1, 1), out
    got = DynamoPensionStore().pensions(["P0001"], 2024, actor=_actor())["P0001"]
    assert (got.stop_from, got.stop_reason, got.annual, got.basic_pension_number) == ("2024-12", "死亡", 1_200_000,
                                                                                     NUMBER)
    again = run("pension", file_bytes([stop]), key="city-incoming/pension/stop-again.jsonl")
    assert again["status"] == "duplicate"  # the same file re-delivered: applied once


def _actor() -> object:
    from kokuho.access.records import Actor

    return Actor(staff_id="system:pension-test", terminal_id="t", purpose="test")
