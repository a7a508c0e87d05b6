"""生活保護 (start → loss on the day, end → acquisition on the day) and 介護保険 (2号 適用除外, 介護保険料)
intakes: validated whole, applied through the application code, applied once."""

from __future__ import annotations

import pytest
from intake_helpers import atena, errors_of, file_bytes, register, run, view

from kokuho.records.intake_files import care_of


@pytest.fixture
def household(staffed: None) -> None:
    register("P0001")
    register("P0002", rel="妻", birth="1978-02-01")


def test_public_assistance_start_is_a_loss_on_the_day_and_its_end_an_acquisition_on_the_day(
        household: None) -> None:
    out = run("welfare", file_bytes([{"atena_no": atena("P0002"), "event": "開始", "event_date": "2024-07-01"}]))
    assert out["status"] == "applied", out
    period = view("P0002")["qualification"][0]
    assert (period["until"], period["lose_reason"]) == ("2024-07-01", "welfare_started")  # not the day after
    out = run("welfare", file_bytes([{"atena_no": atena("P0002"), "event": "廃止", "event_date": "2024-10-20"}]))
    assert out["status"] == "applied", out
    later = view("P0002")["qualification"][1]
    assert (later["acquired_on"], later["acquire_reason"]) == ("2024-10-20", "welfare_ended")
    assert view("P0002")["history"][-1]["recorded_by"] == "system:welfare-intake"


def test_a_welfare_file_with_an_impossible_change_is_refused_whole(household: None) -> None:
    lines = [{"atena_no": atena("P0001"), "event": "開始", "event_date": "2024-07-01"},
             {"atena_no": atena("P0002"), "event": "廃止", "event_date": "2024-07-01"},  # already insured
             {"atena_no": "99999999", "event": "開始", "event_date": "2024-07-01"}]
    out = run("welfare", file_bytes(lines))
    assert errors_of(out) == [(2, "event"), (3, "atena_no")]
    assert view("P0001")["qualification"][0]["until"] is None


def test_care_information_is_stored_per_person_and_year(household: None) -> None:
    line = {"atena_no": atena("P0001"), "fiscal_year": 2024, "care_premium": 61_200,
            "second_insured_exempt": [{"from": "2024-06-01", "until": None}]}
    out = run("care", file_bytes([line]))
    assert out["status"] == "applied", out
    stored = care_of(["P0001", "P0002"], 2024)
    assert list(stored) == ["P0001"]
    assert stored["P0001"]["care_premium"] == 61_200
    assert stored["P0001"]["second_insured_exempt"] == [{"from": "2024-06-01", "until": None}]
    assert run("care", file_bytes([line]), key="incoming/again.jsonl")["status"] == "duplicate"


def test_a_care_exemption_reprojects_the_case_and_removes_the_care_part_from_its_months(household: None) -> None:
    from kokuho.assessment.household_cases import get_household_case
    from kokuho.premium import compute_case

    before = compute_case(get_household_case("H0001", 2024))
    assert before["parts"]["care"] > 0  # both members are 2号 (born 1975 and 1978)
    lines = [{"atena_no": atena(pid), "fiscal_year": 2024, "care_premium": 0,
              "second_insured_exempt": [{"from": "2024-04-01", "until": None}]} for pid in ("P0001", "P0002")]
    assert run("care", file_bytes(lines))["status"] == "applied"
    case = get_household_case("H0001", 2024)
    assert case is not None
    assert [m["care_exempt"] for m in case["household"]["members"]] == [[{"from": "2024-04-01", "until": None}]] * 2
    assert compute_case(case)["parts"]["care"] == 0


@pytest.mark.parametrize(("patch", "field"), [
    ({"care_premium": -1}, "care_premium"),
    ({"care_premium": 100.5}, "care_premium"),
    ({"second_insured_exempt": [{"from": "2024-06-01", "until": "2024-05-01"}]}, "second_insured_exempt[0].until"),
    ({"atena_no": "99999999"}, "atena_no"),
])
def test_bad_care_lines_refuse_the_file(household: None, patch: dict[str, object], field: str) -> None:
    good = {"atena_no": atena("P0001"), "fiscal_year": 2024, "care_premium": 61_200, "second_insured_exempt": []}
    bad = {**good, "atena_no": atena("P0002"), **patch}
    out = run("care", file_bytes([good, bad]))
    assert errors_of(out) == [(2, field)]
    assert care_of(["P0001"], 2024) == {}


def test_a_welfare_file_reads_its_households_members_and_pending_acquisitions_in_batches(staffed: None) -> None:
    """Issue 14 item 3: each line read its household's members (a BatchGetItem a line) and each 廃止 whether an
    acquisition waits for the person (a GetItem a line). A file reads the members of its households and the
    waiting acquisitions at once; every line is applied as before."""
    from moto.dynamodb.responses import DynamoHandler

    from kokuho.intake import apply

    for h in range(8):
        register(f"P10{h}1", hh=f"H10{h}", insured_from=None)
        register(f"P10{h}2", hh=f"H10{h}", rel="妻", birth="1978-02-01", insured_from=None)
        register(f"P10{h}3", hh=f"H10{h}", rel="子", birth="2010-02-01")  # a member the file does not name
    reads: dict[str, int] = {}
    originals = {name: getattr(DynamoHandler, name) for name in ("get_item", "batch_get_item")}

    def counting(name: str) -> object:
        def counted(self: object) -> object:
            reads[name] = reads.get(name, 0) + 1
            return originals[name](self)
        return counted

    lines = [{"atena_no": atena(f"P10{h}{k}"), "event": "廃止", "event_date": "2024-07-01"}
             for h in range(8) for k in (1, 2)]
    with pytest.MonkeyPatch.context() as mp:
        for name in originals:
            mp.setattr(DynamoHandler, name, counting(name))
        mp.setattr(apply, "TRANSACTION_ITEMS", 60)  # a household or two a transaction
        out = run("welfare", file_bytes(lines))
    assert (out["status"], out["applied"]) == ("applied", 16), out
    for h in range(8):
        for k in (1, 2):
            assert view(f"P10{h}{k}")["qualification"][0]["acquire_reason"] == "welfare_ended"
    assert reads.get("get_item", 0) <= 3, reads  # the file's marker, the search secret: not one a line
    assert reads.get("batch_get_item", 0) <= 13, reads  # was 18: a read of members a household
