"""Whose data an exchange file holds, recorded beside it (docs/retention.md "Legal hold"): a city file taken by
the real intake (kokuho.intake.objects.intake_object, on the embedded AWS) is moved to processed/ with
`subjects/<key>.json` naming the persons it touched by their ids — never a 宛名番号 or a number of the file —;
a refused file has its own record in rejected/ (the outgoing files: tests/integration/linkage/
test_linkage_federation_and_transfers.py)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import boto3
import pytest
from intake_helpers import atena, file_bytes, register

from kokuho.platform.tables import AWS_REGION, BUCKETS_BY_LOGICAL

NUMBER = "1234567890"  # a 基礎年金番号 (ten digits): never in the record


@pytest.fixture
def household(staffed: None) -> None:
    boto3.client("s3", region_name=AWS_REGION).create_bucket(  # the qualification world provisions tables only
        Bucket=BUCKETS_BY_LOGICAL["exchange"].name(), CreateBucketConfiguration={"LocationConstraint": AWS_REGION})
    register("P0001", birth="1955-05-01")
    register("P0002", rel="妻", birth="1957-02-01")


def line(person: str, **patch: object) -> dict[str, object]:
    return {"atena_no": atena(person), "fiscal_year": 2024, "insurer_code": "001", "pension_code": "1150",
            "basic_pension_number": NUMBER, "pension_annual": 1_200_000, **patch}


def take(key: str, data: bytes) -> tuple[dict[str, Any], Any, str]:
    from kokuho.intake.objects import intake_object

    s3, bucket = boto3.client("s3", region_name=AWS_REGION), BUCKETS_BY_LOGICAL["exchange"].name()
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    return intake_object(s3, bucket, key, run_id="subjects-test", today=date(2024, 11, 20)), s3, bucket


def record(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    return dict(json.loads(s3.get_object(Bucket=bucket, Key=f"subjects/{key}.json")["Body"].read()))


def test_a_city_file_taken_or_refused_has_the_persons_it_touched_recorded_beside_it(household: None) -> None:
    out, s3, bucket = take("city-incoming/pension/subjects.jsonl", file_bytes([line("P0001"), line("P0002")]))
    assert out["status"] == "applied", out
    kept = record(s3, bucket, "processed/city/pension/subjects.jsonl")
    assert {"P0001", "P0002"} <= set(kept["subjects"]) and kept["file"] == "processed/city/pension/subjects.jsonl"
    text = json.dumps(kept)
    assert NUMBER not in text and atena("P0001") not in text  # ids of the file, never its numbers

    out, s3, bucket = take("city-incoming/pension/refused.jsonl",
                           file_bytes([line("P0001", pension_annual=-1)]))
    assert out["status"] == "rejected", out
    refused = record(s3, bucket, "rejected/city/pension/refused.jsonl")
    assert refused["file"] == "rejected/city/pension/refused.jsonl" and NUMBER not in json.dumps(refused)

