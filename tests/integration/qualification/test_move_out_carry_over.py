"""The outgoing 高額該当 file gets its rows (issue 13): a householder's 転出 registered through the private API
with its destination (to_municipality) keeps it in the loss record; the monthly KOGAKU export writes the row —
household, householder, from the city to the destination, the move day, the household's 高額療養費 months of the
12 months up to the move. A move out of the prefecture, a 転出 without its destination, a household with no benefit
month or a member who is not the householder gives no row; a bad destination is 422 naming the field, nothing
changed."""

from __future__ import annotations

from typing import Any

import boto3
from qualification_helpers import call

from kokuho.linkage.federation_codec import parse_file
from kokuho.linkage.federation_export import export_carry_over
from kokuho.records.benefits import BenefitPointerModel
from kokuho.records.federation_store import RecordsQualificationSource
from kokuho.records.qualification import HistoryModel

CLERK = "S1002"
FUKUOKA, TOKYO_CHIYODA = "401307", "131016"


def _register(pid: str, hh: str, rel: str = "世帯主") -> None:
    body = {"person_id": pid, "resident_code": f"10{pid[1:]:0>6}", "household_id": hh, "name_kanji": f"北九 {pid}",
            "name_kana": "キタキュウ タロウ", "birth_date": "1975-06-15", "sex": "1", "relationship": rel,
            "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1", "resident_from": "2024-04-01"}
    assert call("POST", "/persons", staff_id=CLERK, body=body)[0] == 201
    status, out, _ = call("POST", f"/persons/{pid}/qualification", staff_id=CLERK,
                          body={"reason": "move_in", "cause_on": "2024-04-01", "version": 1})
    assert status == 200, out


def _move_out(pid: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    status, out, _ = call("POST", f"/persons/{pid}/qualification", staff_id=CLERK,
                          body={"reason": "move_out", "cause_on": "2025-03-10", "version": 2, **extra})
    return status, out


def _benefit(household: str, month: str, amount: int, *, counts: bool | None = None) -> None:
    pk, sk = BenefitPointerModel.key(household, month)
    BenefitPointerModel(pk, sk, month=month, version=1, input_hash="h", run_id="r", benefit=amount,
                        difference=amount, counts=amount > 0 if counts is None else counts).save()


def test_a_householders_move_within_the_prefecture_fills_the_kogaku_row(staffed: None) -> None:
    _register("P0001", "H0001")
    _register("P0002", "H0001", "妻")
    _register("P0003", "H0003")
    _register("P0004", "H0004")
    _register("P0005", "H0005")
    for month, amount in (("2024-02", 9_000), ("2024-04", 12_000), ("2024-11", 30_000), ("2025-01", 0)):
        _benefit("H0001", month, amount)
    # bad destinations: refused naming the field, the person unchanged
    for extra in ({"to_municipality": "401308"}, {"to_municipality": "401005"}, {"to_municipality": "40130"}):
        status, out = _move_out("P0001", **extra)
        assert status == 422 and "to_municipality" in str(out), (extra, out)
    assert call("GET", "/persons/P0001", staff_id=CLERK)[1]["version"] == 2
    assert _move_out("P0001", to_municipality=FUKUOKA)[0] == 200
    assert _move_out("P0002", to_municipality=FUKUOKA)[0] == 200  # a member: the householder carries the count
    assert _move_out("P0003", to_municipality=TOKYO_CHIYODA)[0] == 200  # out of the prefecture: no carry-over
    assert _move_out("P0004")[0] == 200  # destination not given: no row
    assert _move_out("P0005", to_municipality=FUKUOKA)[0] == 200  # no 高額療養費 month: nothing to carry over
    lost = HistoryModel.query("PERSON#P0001", HistoryModel.sk.startswith("HIST#"), scan_index_forward=False,
                              limit=1)
    assert next(iter(lost)).detail["to_municipality"] == FUKUOKA  # kept with the loss record

    rows = list(RecordsQualificationSource().carry_over_rows("2025-03"))
    assert [(r.household_id, r.householder_id, r.from_municipality, r.to_municipality, r.moved_on.isoformat(),
             r.benefit_months) for r in rows] == [("H0001", "P0001", "401005", FUKUOKA, "2025-03-10",
                                                   ("2024-04", "2024-11"))]  # 12 months up to March 2025
    assert list(RecordsQualificationSource().carry_over_rows("2025-04")) == []

    s3 = boto3.client("s3", region_name="ap-northeast-1")
    s3.create_bucket(Bucket="kg-out", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"})
    out = export_carry_over(RecordsQualificationSource(), "2025-03", s3, "kg-out")
    parsed = parse_file(s3.get_object(Bucket="kg-out", Key=out["key"])["Body"].read())
    assert out["records"] == 1 and parsed.records[0]["to_municipality"] == FUKUOKA


def test_months_carried_in_from_an_earlier_move_carry_over_again(staffed: None) -> None:
    """Probe (benefits): the count carries over a move within the prefecture — the household's benefit months of
    the 12 months up to the move, wherever they were paid. A household that came from 福岡市 with two months (the
    federation's KOGAKU file, PERSON#<householder> / KOGAKU#<month>) and moves on within the year sent only the months
    this city paid: the next municipality counted fewer months than the household had (a 多数回 ceiling lost)."""
    from kokuho.records.linkage import CarryOverModel

    _register("P0001", "H0001")
    _benefit("H0001", "2024-11", 30_000)
    for month in ("2024-04", "2024-03"):  # 2024-03: more than 12 months before the move out (March 2025)
        CarryOverModel("PERSON#P0001", f"KOGAKU#{month}", household_id="H0001", householder_id="P0001", month=month,
                       from_municipality=FUKUOKA, to_municipality="401005", moved_on="2024-04-01",
                       file_id="KG-401307-2024-04").save()
    assert _move_out("P0001", to_municipality=FUKUOKA)[0] == 200
    rows = list(RecordsQualificationSource().carry_over_rows("2025-03"))
    assert [(r.household_id, r.benefit_months) for r in rows] == [("H0001", ("2024-04", "2024-11"))]


def test_a_month_of_the_outpatient_limit_alone_is_not_carried_over(staffed: None) -> None:
    """Only months the household ceiling paid count towards 多数回 (施行令 第29条の3): a month in which only the 70–74
    outpatient limit (外来特例) paid is not sent to the next municipality. Failed on main: it was in the row."""
    _register("P0001", "H0001")
    _benefit("H0001", "2024-11", 30_000)
    _benefit("H0001", "2024-12", 12_000, counts=False)
    assert _move_out("P0001", to_municipality=FUKUOKA)[0] == 200
    rows = list(RecordsQualificationSource().carry_over_rows("2025-03"))
    assert [(r.household_id, r.benefit_months) for r in rows] == [("H0001", ("2024-11",))]
