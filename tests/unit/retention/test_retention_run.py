"""One retention run over every enforced class (kokuho.retention.run): the report counts what would go by
class and nothing of a person, deletes nothing; the purge deletes exactly what is due on the day (frozen
time: the day before, the day, the day after), keeps what a legal hold names, and records each class's
deletion. S3 is moto's; the linkage records are on the in-memory port fake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from fakes.exchange_store import InMemoryExchangeStore
from fakes.retention_tables import InMemoryAccessPurge, InMemoryRetentionTables
from freezegun import freeze_time
from moto import mock_aws

from kokuho.linkage.exchange_records import Exchange, record_exchange, records_for_request
from kokuho.retention.run import run_retention

REGION = "ap-northeast-1"
BUCKETS = {"exchange": "ret-exchange", "work": "ret-work"}
# Every file and record made on 2024-06-30 in Japan (15:00 UTC the day before is 00:00 JST).
MADE = datetime(2024, 6, 29, 15, 30, tzinfo=UTC)  # 2024-06-30 00:30 in Japan
FILES = {"exchange": ["processed/KG/one.csv", "outgoing/QUALCONT/two.csv", "rejected/three.csv",
                      "incoming/waiting.csv"],
         "work": ["notices/N-1/part-0001.pdf", "runs/r1/list.json"]}


def _at_jst_noon(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 3, 0, tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.s3 = boto3.client("s3", region_name=REGION)
        self.store = InMemoryExchangeStore()
        self.recorded: list[tuple[str, str, int]] = []
        for bucket in BUCKETS.values():
            self.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        with freeze_time(MADE):
            for logical, keys in FILES.items():
                for key in keys:
                    self.s3.put_object(Bucket=BUCKETS[logical], Key=key, Body=b"x")
        for rid, person in (("R-HELD", "P-HELD"), ("R-FREE", "P-FREE")):
            record_exchange(Exchange("query", "北九州市", "BODY", "48", rid, MADE.isoformat(), "received",
                                     person_id=person), MADE, store=self.store)

    def run(self, now: datetime, *, dry_run: bool, holds: tuple[str, ...] = ()) -> dict[str, Any]:
        return run_retention(now, s3=self.s3, bucket_name=BUCKETS.__getitem__, dry_run=dry_run, holds=holds,
                             record=lambda *a: self.recorded.append(a), exchange_store=self.store,
                             record_tables=InMemoryRetentionTables(), access_log=InMemoryAccessPurge(),
                             access_floors={})

    def keys(self) -> set[str]:
        return {o["Key"] for b in BUCKETS.values()
                for o in self.s3.list_objects_v2(Bucket=b).get("Contents", [])}


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        yield World()


def test_the_day_before_nothing_is_due(world: World) -> None:
    out = world.run(_at_jst_noon(2026, 6, 29), dry_run=False)
    assert all(c["due"] == 0 for c in out["classes"].values())
    assert len(world.keys()) == 6 and world.recorded == []


def test_the_report_counts_by_class_deletes_nothing_and_names_no_one(world: World) -> None:
    out = world.run(_at_jst_noon(2026, 6, 30), dry_run=True)
    assert {k: v["due"] for k, v in out["classes"].items()} == {
        "exchange-processed": 1, "exchange-outgoing": 1, "exchange-rejected": 1, "work-notices": 1,
        "linkage-records": 0,  # 7 years: not yet
        "benefit-rights": 0, "unjust-enrichment-claims": 0, "premium-collection": 0, "past-insured-persons": 0,
        "carried-over-benefit-months": 0, "federation-continuity": 0,
        "access-records": 0}  # none stored here (tests/unit/retention/test_table_classes.py)
    assert out["not_enforced"] == []
    text = json.dumps(out, ensure_ascii=False)
    assert "P-" not in text and ".csv" not in text and "notices/" not in text  # counts only
    assert len(world.keys()) == 6 and world.recorded == []


@pytest.mark.parametrize("today", [_at_jst_noon(2026, 6, 30), _at_jst_noon(2026, 7, 1)])
def test_on_the_day_and_after_the_files_of_each_class_go_and_the_rest_stay(world: World, today: datetime) -> None:
    out = world.run(today, dry_run=False)
    # incoming/ (not yet taken in) and runs/ (the lifecycle's) are no retention class: kept
    assert world.keys() == {"incoming/waiting.csv", "runs/r1/list.json"}
    assert out["classes"]["work-notices"]["deleted"] == 1
    assert sorted(world.recorded) == [("exchange-outgoing", "連合会への送付ファイル", 1),
                                      ("exchange-processed", "連合会・市の取込ファイル", 1),
                                      ("exchange-rejected", "連合会・市の取込ファイル", 1),
                                      ("work-notices", "通知書", 1)]


def test_linkage_records_go_on_the_day_seven_years_on_except_under_a_legal_hold(world: World) -> None:
    before = world.run(_at_jst_noon(2031, 6, 29), dry_run=False)
    assert before["classes"]["linkage-records"]["due"] == 0
    report = world.run(_at_jst_noon(2031, 6, 30), dry_run=True, holds=("P-HELD",))
    assert report["classes"]["linkage-records"] == {"due": 1, "held": 1}
    out = world.run(_at_jst_noon(2031, 6, 30) + timedelta(days=1), dry_run=False, holds=("P-HELD",))
    assert out["classes"]["linkage-records"]["deleted"] == 1 and out["classes"]["linkage-records"]["held"] == 1
    assert records_for_request("R-FREE", store=world.store) == []
    assert len(records_for_request("R-HELD", store=world.store)) == 1
    assert ("linkage-records", "情報提供等記録", 1) in world.recorded
