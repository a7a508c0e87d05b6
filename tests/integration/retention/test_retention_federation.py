"""Probe (retention, the federation table) on the embedded AWS with the run's DynamoDB adapter: the 国保連合会's
資格継続 periods and the 高額該当 months a move carried over were never purged (no class named the table, the run
never read it). Now each goes when due — carried-over months as the city's own benefit months (2 years from the
right of the last month reading them), a continuity period 5 years after its loss once its person left the file —
with the run's access record of the class (subject RETENTION#<class>, never a person); a legal hold keeps them,
the applied-file markers (no one named) stay."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kokuho.records.federation_store import PynamoFederationStore
from kokuho.records.linkage import AppliedFileModel
from kokuho.retention.run import run_retention
from kokuho.retention.wiring import access_purge, record_tables
from kokuho_local.embedded import EmbeddedAWS

CARRIED, CONTINUITY = "carried-over-benefit-months", "federation-continuity"


def _seed() -> None:
    store = PynamoFederationStore()
    AppliedFileModel("FILE#QC-401005-20200430", "APPLIED", file_id="QC-401005-20200430", kind="QUALCONT",
                     content_hash="h", record_count=2, applied_at="2020-04-30T22:00:00+00:00",
                     source_key="processed/QC-401005-20200430.csv").save()  # 1 May 2020 in Japan
    store.save_continuity("QC-401005-20200430", {"person_id": "P7", "prefecture_insured_id": "X1",
                                                  "insurer_number": "401005", "acquired_on": "2015-04-01",
                                                  "lost_on": "2020-04-01"})
    store.save_continuity("QC-401005-20200430", {"person_id": "P8", "prefecture_insured_id": "X2",
                                                  "insurer_number": "401005", "acquired_on": "2020-04-01",
                                                  "lost_on": ""})  # open at the other municipality
    for month in ("2024-03", "2024-04"):
        store.save_carry_over("KG-401005-20240501", {"household_id": "H-OTHER", "householder_id": "P9",
                                                     "from_municipality": "401005", "to_municipality": "401005",
                                                     "moved_on": "2024-05-01"}, month)


def _keys(aws: EmbeddedAWS) -> set[tuple[str, str]]:
    items = aws.client("dynamodb").scan(TableName=aws.table_name("federation"))["Items"]
    return {(i["pk"]["S"], i["sk"]["S"]) for i in items}


def _run(now: datetime, aws: EmbeddedAWS, *, dry_run: bool = False, holds: set[str] | None = None
         ) -> tuple[dict[str, Any], list[tuple[str, str, int]]]:
    recorded: list[tuple[str, str, int]] = []
    out = run_retention(now, s3=aws.client("s3"), bucket_name=aws.bucket_name, dry_run=dry_run,
                        holds=holds or set(), record=lambda c, cat, n: recorded.append((c, cat, n)),
                        record_tables=record_tables(), access_log=access_purge(), access_floors={}, run_id="r")
    return out, recorded


def test_the_federation_items_go_when_due_with_the_runs_record(aws: EmbeddedAWS) -> None:
    _seed()
    everything = _keys(aws)
    # 31 March 2025 (Japan): nothing due yet — P7's loss of 1 April 2020 is due on 1 April 2025
    out, recorded = _run(datetime(2025, 3, 31, 3, tzinfo=UTC), aws)
    assert out["classes"][CONTINUITY]["deleted"] == 0 and _keys(aws) == everything and recorded == []
    # 1 April 2025: P7's period goes; P8's (open, its file applied 1 May 2020) waits for 1 May 2025
    out, recorded = _run(datetime(2025, 4, 1, 3, tzinfo=UTC), aws)
    assert out["classes"][CONTINUITY]["deleted"] == 1 and (CONTINUITY, "被保険者", 1) in recorded
    assert ("PERSON#P7", "CONT#2015-04-01") not in _keys(aws) and ("PERSON#P8", "CONT#2020-04-01") in _keys(aws)
    _run(datetime(2025, 5, 1, 3, tzinfo=UTC), aws)
    assert ("PERSON#P8", "CONT#2020-04-01") not in _keys(aws)
    # March 2024 carried over is read as history up to February 2025 (right 1 March 2025): gone 1 March 2027
    out, recorded = _run(datetime(2027, 2, 28, 3, tzinfo=UTC), aws)
    assert out["classes"][CARRIED]["deleted"] == 0
    out, recorded = _run(datetime(2027, 3, 1, 3, tzinfo=UTC), aws)
    assert out["classes"][CARRIED]["deleted"] == 1 and (CARRIED, "給付", 1) in recorded
    assert ("PERSON#P9", "KOGAKU#2024-03") not in _keys(aws) and ("PERSON#P9", "KOGAKU#2024-04") in _keys(aws)
    # the applied-file marker names no one and keeps a re-delivered file from being applied again
    assert ("FILE#QC-401005-20200430", "APPLIED") in _keys(aws)


def test_a_legal_hold_keeps_the_federation_items_and_a_report_deletes_nothing(aws: EmbeddedAWS) -> None:
    _seed()
    everything = _keys(aws)
    out, _ = _run(datetime(2030, 1, 1, 3, tzinfo=UTC), aws, dry_run=True)
    assert (out["classes"][CONTINUITY], out["classes"][CARRIED]) == ({"due": 2, "held": 0}, {"due": 2, "held": 0})
    assert _keys(aws) == everything
    out, recorded = _run(datetime(2030, 1, 1, 3, tzinfo=UTC), aws, holds={"P7", "P9"})
    assert out["classes"][CONTINUITY] == {"due": 1, "held": 1, "deleted": 1}
    assert out["classes"][CARRIED] == {"due": 0, "held": 2, "deleted": 0}
    assert ("PERSON#P7", "CONT#2015-04-01") in _keys(aws) and ("PERSON#P9", "KOGAKU#2024-03") in _keys(aws)
