"""A legal hold reaches the exchange bucket's files (processed/, rejected/, outgoing/): each file taken by an
intake or written to outgoing/ has a record `subjects/<key>.json` (its own prefix, never beside an outgoing file
that a transfer sweeps out of the city), the subjects of the access records made
while it was handled (kokuho.platform.exchange_subjects; surrogate ids, never a My Number); the retention run
keeps a due file whose record names a held person, or a household with a held member, with what lies beside
it (its reason, its record); a neighbour's file goes; lifting the hold lets the next run delete it. A file
taken in parts keeps every part's subjects. S3 is moto's; the access records go to the in-memory log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from fakes.access_records import InMemoryAccessRecords
from fakes.exchange_store import InMemoryExchangeStore
from fakes.retention_tables import InMemoryAccessPurge, InMemoryRetentionTables
from freezegun import freeze_time
from moto import mock_aws

from kokuho.access.records import Actor, record_access
from kokuho.platform import exchange_subjects
from kokuho.platform.exchange import list_delivered, move_out, read_delivered
from kokuho.retention.run import run_retention

REGION = "ap-northeast-1"
BUCKETS = {"exchange": "hold-exchange", "work": "hold-work"}
MADE = datetime(2024, 6, 29, 15, 30, tzinfo=UTC)  # 2024-06-30 00:30 in Japan: due from 2026-06-30
DUE_DAY = datetime(2026, 6, 30, 3, 0, tzinfo=UTC)
NEXT_DAY = datetime(2026, 7, 1, 3, 0, tzinfo=UTC)
INTAKE = Actor("system:tax-intake", "run-1", "test")
MEMBERS = {"H-HELD": ("P-PAYER", "P-HELD"), "H-N": ("P-N",)}


class World:
    def __init__(self) -> None:
        self.s3 = boto3.client("s3", region_name=REGION)
        for bucket in BUCKETS.values():
            self.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        self.bucket = BUCKETS["exchange"]
        self.log = InMemoryAccessRecords()
        self.tables = InMemoryRetentionTables(members=dict(MEMBERS))
        self.recorded: list[tuple[str, str, int]] = []

    def take(self, key: str, subjects: list[list[str]], *, to: str = "processed/city/tax/",
             reason: dict[str, Any] | None = None) -> str:
        """An intake takes `key` from city-incoming/tax/: reads it, records its accesses, moves it out."""
        read_delivered(self.s3, self.bucket, key)
        for names in subjects:
            record_access(INTAKE, names, "intake:tax", "write", chain="intake#tax", store=self.log)
        return move_out(self.s3, self.bucket, key, "city-incoming/tax/", to, reason)

    def deliver(self, key: str) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=b"line\n")

    def run(self, now: datetime, *, dry_run: bool = False, holds: tuple[str, ...] = ()) -> dict[str, Any]:
        return run_retention(now, s3=self.s3, bucket_name=BUCKETS.__getitem__, dry_run=dry_run, holds=holds,
                             record=lambda *a: self.recorded.append(a), exchange_store=InMemoryExchangeStore(),
                             record_tables=self.tables, access_log=InMemoryAccessPurge(items=[]), access_floors={})

    def keys(self) -> set[str]:
        return {o["Key"] for o in self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", [])}

    def subjects(self, key: str) -> dict[str, Any]:
        return dict(json.loads(self.s3.get_object(Bucket=self.bucket, Key=f"subjects/{key}.json")["Body"].read()))


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        yield World()


HELD_FILE = {"processed/city/tax/a.jsonl", "subjects/processed/city/tax/a.jsonl.json"}
REJECTED = {"rejected/city/tax/c.jsonl", "rejected/city/tax/c.jsonl.reason.json",
            "subjects/rejected/city/tax/c.jsonl.json"}


def files(world: World) -> None:
    """Three city files taken on MADE: one of the held household's payer, one a neighbour's, one refused."""
    with freeze_time(MADE):
        for name in ("a", "b", "c"):
            world.deliver(f"city-incoming/tax/{name}.jsonl")
        world.take("city-incoming/tax/a.jsonl", [["P-PAYER", "P-N"], ["H-HELD"]])
        world.take("city-incoming/tax/b.jsonl", [["P-N"]])
        world.take("city-incoming/tax/c.jsonl", [["P-HELD"]], to="rejected/city/tax/",
                   reason={"errors": [{"line": 1, "field": "income"}]})


def test_each_file_taken_records_beside_it_whose_data_it_holds(world: World) -> None:
    files(world)
    a = world.subjects("processed/city/tax/a.jsonl")
    assert (a["file"], a["subjects"], a["count"]) == ("processed/city/tax/a.jsonl", ["H-HELD", "P-N", "P-PAYER"], 3)
    assert world.subjects("processed/city/tax/b.jsonl")["subjects"] == ["P-N"]
    assert world.subjects("rejected/city/tax/c.jsonl")["subjects"] == ["P-HELD"]
    # nothing collects once the file is moved out: a later record lands in no file's record
    record_access(INTAKE, ["P-LATER"], "intake:tax", "read", chain="intake#tax", store=world.log)
    assert "P-LATER" not in json.dumps([world.subjects(f"processed/city/tax/{n}.jsonl") for n in "ab"])


@pytest.mark.parametrize("held", ["P-HELD", "P-PAYER"])  # a member named only through the household, the payer
def test_a_held_persons_exchange_files_survive_their_period_and_a_neighbours_goes(world: World, held: str) -> None:
    files(world)
    out = world.run(DUE_DAY, holds=(held,))
    kept = HELD_FILE | (REJECTED if held == "P-HELD" else set())
    assert world.keys() == kept
    # counted by the keys of the class's folder (the records under subjects/ go with their files)
    assert out["classes"]["exchange-processed"] == {"due": 1, "held": 1, "deleted": 1}
    assert out["classes"]["exchange-rejected"]["held"] == (2 if held == "P-HELD" else 0)
    text = json.dumps(out, ensure_ascii=False)
    assert "P-" not in text and "H-" not in text and "tax/" not in text  # the report names no one and no file


def test_lifting_the_hold_lets_the_next_run_delete_them_and_no_hold_keeps_nothing(world: World) -> None:
    files(world)
    world.run(DUE_DAY, holds=("P-HELD",))
    out = world.run(NEXT_DAY)
    assert world.keys() == set() and out["classes"]["exchange-processed"]["deleted"] == 1
    assert world.run(NEXT_DAY, holds=("P-ELSEWHERE",))["classes"]["exchange-processed"]["held"] == 0


def test_before_the_period_nothing_is_due_and_a_file_without_a_record_is_not_held(world: World) -> None:
    files(world)
    assert world.run(datetime(2026, 6, 29, 3, 0, tzinfo=UTC), dry_run=True,
                     holds=("P-HELD",))["classes"]["exchange-processed"] == {"due": 0, "held": 0}
    with freeze_time(MADE):
        world.s3.put_object(Bucket=world.bucket, Key="processed/city/tax/old.jsonl", Body=b"x")  # before records
    world.run(DUE_DAY, holds=("P-HELD",))
    assert "processed/city/tax/old.jsonl" not in world.keys()


def test_a_file_taken_in_parts_records_every_parts_subjects_and_the_pending_record_is_never_a_file(
        world: World) -> None:
    key = "city-incoming/tax/big.jsonl"
    world.deliver(key)
    read_delivered(world.s3, world.bucket, key)
    record_access(INTAKE, ["P-FIRST"], "intake:tax", "write", chain="intake#tax", store=world.log)
    exchange_subjects.keep_pending(world.s3, world.bucket, key)  # the time budget ran out: partial
    assert list_delivered(world.s3, world.bucket, "city-incoming/tax/") == [key]  # the pending record is no file
    # the next invocation (another container: nothing in memory) takes the rest
    exchange_subjects._current.set(None)
    world.take(key, [["P-SECOND"]])
    assert world.subjects("processed/city/tax/big.jsonl")["subjects"] == ["P-FIRST", "P-SECOND"]
    assert world.keys() == {"processed/city/tax/big.jsonl", "subjects/processed/city/tax/big.jsonl.json"}


def test_an_outgoing_file_is_written_with_its_record_and_never_without(world: World) -> None:
    with exchange_subjects.collecting():
        record_access(INTAKE, ["P-PAYEE"], "収納情報", "export", chain="FILE#R1", store=world.log)
        exchange_subjects.put_file(world.s3, world.bucket, "outgoing/refunds/R1.txt", b"x", "text/plain")
    assert world.subjects("outgoing/refunds/R1.txt")["subjects"] == ["P-PAYEE"]
    with pytest.raises(RuntimeError, match="collecting"):
        exchange_subjects.put_file(world.s3, world.bucket, "outgoing/refunds/R2.txt", b"x", "text/plain")
    assert "outgoing/refunds/R2.txt" not in world.keys()


def test_an_outgoing_listing_holds_nothing_but_the_files_meant_to_leave(world: World) -> None:
    """A transfer to the bank, the pension insurer or the federation sweeps its outgoing/ folder: a record of
    subjects beside the file (internal person and household ids) would leave the city with it. The records are
    under subjects/, which no transfer reads."""
    with exchange_subjects.collecting():
        record_access(INTAKE, ["P-PAYEE", "H-HELD"], "収納情報", "export", chain="FILE#R1", store=world.log)
        exchange_subjects.put_file(world.s3, world.bucket, "outgoing/refunds/R1.txt", b"x", "text/plain")
    listed = world.s3.list_objects_v2(Bucket=world.bucket, Prefix="outgoing/")
    assert [o["Key"] for o in listed["Contents"]] == ["outgoing/refunds/R1.txt"]
    assert world.subjects("outgoing/refunds/R1.txt")["subjects"] == ["H-HELD", "P-PAYEE"]
    assert exchange_subjects.subjects_key("outgoing/refunds/R1.txt") == "subjects/outgoing/refunds/R1.txt.json"


def test_a_file_taken_in_parts_keeps_its_pending_record_out_of_the_incoming_folder(world: World) -> None:
    key = "city-incoming/tax/big.jsonl"
    world.deliver(key)
    read_delivered(world.s3, world.bucket, key)
    record_access(INTAKE, ["P-FIRST"], "intake:tax", "write", chain="intake#tax", store=world.log)
    exchange_subjects.keep_pending(world.s3, world.bucket, key)
    assert world.keys() == {key, "subjects/pending/city-incoming/tax/big.jsonl.json"}
    exchange_subjects._current.set(None)


def _old_place(world: World, file_key: str, subjects: list[str], when: datetime) -> None:
    """A file and its record as written before the records moved: `<key>.subjects.json` beside it."""
    with freeze_time(when):
        world.s3.put_object(Bucket=world.bucket, Key=f"{file_key}.subjects.json",
                            Body=json.dumps({"file": file_key, "subjects": subjects}).encode())
        world.s3.put_object(Bucket=world.bucket, Key=file_key, Body=b"x")


def test_records_written_beside_their_files_before_the_move_are_moved_and_still_hold(world: World) -> None:
    """Files already written have their record beside them: the retention run moves each to subjects/ (so
    outgoing/ holds only files again), and a hold reads it there; a dry run moves nothing but reads the old one."""
    _old_place(world, "outgoing/refunds/R0.txt", ["P-HELD"], MADE)
    _old_place(world, "outgoing/refunds/R8.txt", ["P-N"], MADE)
    dry = world.run(DUE_DAY, dry_run=True, holds=("P-HELD",))
    assert dry["classes"]["exchange-outgoing"] == {"due": 2, "held": 2}  # R8 and its record due; R0 held
    assert "outgoing/refunds/R0.txt.subjects.json" in world.keys()
    out = world.run(DUE_DAY, holds=("P-HELD",))
    assert out["classes"]["exchange-outgoing"] == {"due": 1, "held": 1, "deleted": 1}
    assert world.keys() == {"outgoing/refunds/R0.txt", "subjects/outgoing/refunds/R0.txt.json"}
    assert world.subjects("outgoing/refunds/R0.txt")["subjects"] == ["P-HELD"]
    world.run(NEXT_DAY)
    assert world.keys() == set()


def test_a_record_whose_file_is_gone_goes_at_its_period(world: World) -> None:
    """A record put, then its file never written (the run failed between the two): nothing else deletes it."""
    with freeze_time(MADE), exchange_subjects.collecting():
        record_access(INTAKE, ["P-N"], "収納情報", "export", chain="FILE#R1", store=world.log)
        exchange_subjects.put_file(world.s3, world.bucket, "outgoing/refunds/R1.txt", b"x", "text/plain")
    world.s3.delete_object(Bucket=world.bucket, Key="outgoing/refunds/R1.txt")
    world.run(datetime(2026, 6, 29, 3, 0, tzinfo=UTC))
    assert world.keys() == {"subjects/outgoing/refunds/R1.txt.json"}  # not yet at its period
    world.run(DUE_DAY)
    assert world.keys() == set()


def test_a_record_written_a_moment_before_its_file_across_midnight_waits_for_it(world: World) -> None:
    """An outgoing file's record is put first: at 23:59:59 in Japan, its file at 00:00:00 the next day. On the day
    the record is due and the file not, the record stays, so a hold placed before the file is due still finds
    whose it is; the day after, both go."""
    late = datetime(2024, 6, 29, 14, 59, 59, tzinfo=UTC)  # 2024-06-29 23:59:59 in Japan
    with freeze_time(late):
        world.s3.put_object(Bucket=world.bucket, Key="subjects/outgoing/refunds/R9.txt.json",
                            Body=json.dumps({"file": "outgoing/refunds/R9.txt", "subjects": ["P-HELD"]}).encode())
    with freeze_time(late + timedelta(seconds=2)):
        world.s3.put_object(Bucket=world.bucket, Key="outgoing/refunds/R9.txt", Body=b"x")
    out = world.run(datetime(2026, 6, 29, 3, 0, tzinfo=UTC))  # the record's due day, not the file's
    assert out["classes"]["exchange-outgoing"]["due"] == 0
    assert "subjects/outgoing/refunds/R9.txt.json" in world.keys()
    assert world.run(DUE_DAY, holds=("P-HELD",))["classes"]["exchange-outgoing"] == {"due": 0, "held": 1,
                                                                                     "deleted": 0}
    assert world.run(NEXT_DAY)["classes"]["exchange-outgoing"]["deleted"] == 1 and world.keys() == set()


@pytest.mark.parametrize("suffix", [".subjects.json", ".reason.json"])
def test_a_delivered_file_named_like_a_record_beside_a_file_is_never_taken_and_a_held_file_keeps_its_record(
        world: World, suffix: str) -> None:
    """The names `<file>.subjects.json` and `<file>.reason.json` are the system's, beside the files it moves out:
    a delivered file so named, taken and refused into the same folder, replaced the record of a held person's
    refused file (`{"subjects": []}`) or the reason it was refused, and the held file went at its period. Such a
    file is never taken (listed or named directly), left where it was delivered, nothing written."""
    files(world)
    forged = f"city-incoming/tax/c.jsonl{suffix}"
    with freeze_time(MADE):
        world.s3.put_object(Bucket=world.bucket, Key=forged, Body=b'{"subjects": []}')
        for key in list_delivered(world.s3, world.bucket, "city-incoming/tax/"):  # what an intake takes
            world.take(key, [], to="rejected/city/tax/", reason={"errors": [{"line": 1, "field": "header"}]})
    assert world.subjects("rejected/city/tax/c.jsonl")["subjects"] == ["P-HELD"]
    assert json.loads(world.s3.get_object(Bucket=world.bucket, Key="rejected/city/tax/c.jsonl.reason.json")[
        "Body"].read()) == {"errors": [{"line": 1, "field": "income"}]}
    with pytest.raises(ValueError, match="never taken"):
        read_delivered(world.s3, world.bucket, forged)  # named directly: refused as well
    assert forged in world.keys()  # left where it was delivered
    world.run(DUE_DAY, holds=("P-HELD",))
    assert REJECTED <= world.keys()


def test_an_outgoing_file_is_written_once_a_run_again_never_replaces_it_nor_its_record(world: World) -> None:
    """The 国保連合会's daily and monthly files have fixed names (QC-<city>-<day>, KG-<city>-<month>): a run of the
    same day again, after the data changed, replaced the file already written for the federation and its record of
    subjects — a held person's file, once sent, then named no one and its data was kept only as a noncurrent version
    (30 days). A file is written once: the same bytes again keep it (its record gains who the run named), other
    bytes are refused, nothing written."""
    key = "outgoing/QC-401005-20240701.txt"
    with exchange_subjects.collecting():
        record_access(INTAKE, ["P-HELD"], "federation_qualcont", "export", chain="FILE#QC", store=world.log)
        exchange_subjects.put_file(world.s3, world.bucket, key, b"rows with P-HELD", "text/plain")
    with exchange_subjects.collecting():
        record_access(INTAKE, ["P-N"], "federation_qualcont", "export", chain="FILE#QC", store=world.log)
        with pytest.raises(exchange_subjects.OutgoingFileExists):
            exchange_subjects.put_file(world.s3, world.bucket, key, b"rows without", "text/plain")
    assert world.s3.get_object(Bucket=world.bucket, Key=key)["Body"].read() == b"rows with P-HELD"
    assert world.subjects(key)["subjects"] == ["P-HELD"]
    with exchange_subjects.collecting():  # a retried step: the same bytes
        record_access(INTAKE, ["P-N"], "federation_qualcont", "export", chain="FILE#QC", store=world.log)
        exchange_subjects.put_file(world.s3, world.bucket, key, b"rows with P-HELD", "text/plain")
    assert world.subjects(key)["subjects"] == ["P-HELD", "P-N"]
