"""A legal hold reaches the notices of the work bucket (issue 13 item 9): a print part, its work files and its
run's manifest are kept past their period while a hold names a person of a household the part holds (the
part's access record, kokuho.records.notice_files.notice_recorder, is the stored index of whose it is; a part
of many households is kept whole); a neighbour's part goes; lifting the hold lets the next run delete it; the
report counts the kept files as held, naming no one. S3 is moto's; the access log and the households are the
in-memory port fakes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from fakes.exchange_store import InMemoryExchangeStore
from fakes.retention_tables import InMemoryAccessPurge, InMemoryRetentionTables
from freezegun import freeze_time
from moto import mock_aws

from kokuho.retention.run import run_retention

REGION = "ap-northeast-1"
BUCKETS = {"exchange": "hold-exchange", "work": "hold-work"}
MADE = datetime(2024, 6, 29, 15, 30, tzinfo=UTC)  # 2024-06-30 00:30 in Japan: due from 2026-06-30
DUE_DAY = datetime(2026, 6, 30, 3, 0, tzinfo=UTC)
NEXT_DAY = datetime(2026, 7, 1, 3, 0, tzinfo=UTC)
# Run N-1: part 1 holds the held person's household (H-HELD: payer P-PAYER, member P-HELD) and a neighbour's
# (H-N1) in one PDF; run N-2: part 1 holds another neighbour's household only.
HELD_RUN = {"notices/N-1/part-0001.pdf", "notices/N-1/part-0001.work.json", "notices/N-1/part-0001.json",
            "notices/N-1/manifest.json"}
FREE_RUN = {"notices/N-2/part-0001.pdf", "notices/N-2/manifest.json"}
INDEX = [("NOTICES#N-1#part-0001", ["H-HELD", "H-N1", "P-N1", "P-PAYER"]),
         ("NOTICES#N-1#payers", ["P-N1", "P-PAYER"]),
         ("NOTICES#N-2#part-0001", ["H-N2", "P-N2"])]
MEMBERS = {"H-HELD": ("P-PAYER", "P-HELD"), "H-N1": ("P-N1",), "H-N2": ("P-N2", "P-N2B")}


class World:
    def __init__(self) -> None:
        self.s3 = boto3.client("s3", region_name=REGION)
        for bucket in BUCKETS.values():
            self.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        with freeze_time(MADE):
            for key in sorted(HELD_RUN | FREE_RUN):
                self.s3.put_object(Bucket=BUCKETS["work"], Key=key, Body=b"x")
        self.access = InMemoryAccessPurge(items=[
            {"chain": chain, "seq": 1, "at": MADE.isoformat(), "subject_ids": subjects, "hash": "h"}
            for chain, subjects in INDEX])
        self.tables = InMemoryRetentionTables(members=dict(MEMBERS))
        self.recorded: list[tuple[str, str, int]] = []

    def run(self, now: datetime, *, dry_run: bool, holds: tuple[str, ...] = ()) -> dict[str, Any]:
        return run_retention(now, s3=self.s3, bucket_name=BUCKETS.__getitem__, dry_run=dry_run, holds=holds,
                             record=lambda *a: self.recorded.append(a), exchange_store=InMemoryExchangeStore(),
                             record_tables=self.tables, access_log=self.access, access_floors={})

    def keys(self) -> set[str]:
        return {o["Key"] for o in self.s3.list_objects_v2(Bucket=BUCKETS["work"]).get("Contents", [])}


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        yield World()


@pytest.mark.parametrize("held", ["P-HELD", "P-PAYER"])  # a member named by no notice, and the payer
def test_a_held_persons_household_notice_survives_its_period_and_a_neighbours_goes(world: World, held: str) -> None:
    out = world.run(DUE_DAY, dry_run=False, holds=(held,))
    assert world.keys() == HELD_RUN  # the part is kept whole (H-N1 with it), its work files and manifest too
    assert out["classes"]["work-notices"] == {"due": 2, "held": 4, "deleted": 2}
    assert world.recorded == [("work-notices", "通知書", 2)]


def test_lifting_the_hold_lets_the_next_run_delete_the_notice(world: World) -> None:
    world.run(DUE_DAY, dry_run=False, holds=("P-HELD",))
    out = world.run(NEXT_DAY, dry_run=False, holds=())
    assert world.keys() == set()
    assert out["classes"]["work-notices"] == {"due": 4, "held": 0, "deleted": 4}


def test_a_hold_on_someone_else_keeps_nothing(world: World) -> None:
    world.run(DUE_DAY, dry_run=False, holds=("P-ELSEWHERE",))
    assert world.keys() == set()


def test_the_dry_run_counts_the_held_notice_as_held_and_names_no_one(world: World) -> None:
    out = world.run(DUE_DAY, dry_run=True, holds=("P-HELD",))
    assert out["classes"]["work-notices"] == {"due": 2, "held": 4}
    assert world.keys() == HELD_RUN | FREE_RUN and world.recorded == []
    text = json.dumps(out, ensure_ascii=False)
    assert "H-" not in text and "P-" not in text and "notices/" not in text and "N-1" not in text


def test_before_the_period_a_held_notice_is_neither_due_nor_held(world: World) -> None:
    out = world.run(datetime(2026, 6, 29, 3, 0, tzinfo=UTC), dry_run=True, holds=("P-HELD",))
    assert out["classes"]["work-notices"] == {"due": 0, "held": 0}
