"""The exchange bucket's file names (kokuho.platform.exchange): a delivered file named with a My Number is
refused with a metric to alarm on and a reference that names it without its name; the names the city's own
files leave under (outgoing/) never hold one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from kokuho.collection.transfer_files import file_id_of
from kokuho.identity.mynumber import check_digit, contains_my_number, identifier_holds_my_number
from kokuho.platform.exchange import (
    REFUSED_NAME_METRIC,
    FileNameHoldsMyNumber,
    file_ref,
    list_delivered,
    read_delivered,
)

_FIRST = "98765432101"
_NUMBER = _FIRST + str(check_digit(_FIRST))


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="ap-northeast-1")
        client.create_bucket(Bucket="xb-test", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"})
        yield client


def _metrics(out: str) -> list[dict[str, Any]]:
    return [m for m in (json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"'))
            if REFUSED_NAME_METRIC in m]


def test_each_run_counts_the_refused_files_in_one_metric_and_writes_nothing(
        s3: Any, capsys: pytest.CaptureFixture[str]) -> None:
    s3.put_object(Bucket="xb-test", Key="payments/incoming/receipts/ok.jsonl", Body=b"1")
    for name in (f"{_NUMBER}.jsonl", f"a_{_NUMBER[:6]}-{_NUMBER[6:]}_b.jsonl"):
        s3.put_object(Bucket="xb-test", Key=f"payments/incoming/receipts/{name}", Body=b"1")
    for _ in range(3):  # every run refuses them again, one metric each, and the bucket does not grow
        assert list_delivered(s3, "xb-test", "payments/incoming/") == ["payments/incoming/receipts/ok.jsonl"]
    out = capsys.readouterr().out
    assert not contains_my_number(out)
    metrics = _metrics(out)
    assert [(m[REFUSED_NAME_METRIC], m["area"]) for m in metrics] == [([2.0], "exchange")] * 3
    assert s3.list_objects_v2(Bucket="xb-test")["KeyCount"] == 3


def test_a_key_named_directly_is_refused_before_anything_is_read(s3: Any) -> None:
    key = f"receipts/incoming/{_NUMBER}/a.jsonl"
    s3.put_object(Bucket="xb-test", Key=key, Body=b"1")
    with pytest.raises(FileNameHoldsMyNumber) as refused:
        read_delivered(s3, "xb-test", key)
    assert refused.value.ref == file_ref(key, s3.head_object(Bucket="xb-test", Key=key)["ETag"])
    assert not contains_my_number(str(refused.value))
    s3.put_object(Bucket="xb-test", Key="receipts/incoming/ok.jsonl", Body=b"1")
    assert read_delivered(s3, "xb-test", "receipts/incoming/ok.jsonl") == b"1"


def test_the_reference_is_not_of_the_name_alone() -> None:
    key = f"incoming/{_NUMBER}.txt"
    assert file_ref(key, '"aa"') != file_ref(key, '"bb"')  # the object's ETag is in it
    assert file_ref(key, '"aa"') == file_ref(key, "aa")  # quoted or not, as S3 answers it


@settings(max_examples=300, deadline=None)
@given(on=st.dates(date(2020, 1, 1), date(2060, 12, 31)),
       ids=st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=5),
       prefix=st.sampled_from(["RFF", "BPF"]))  # refunds, benefit payments
def test_an_outgoing_transfer_file_name_never_holds_a_my_number(on: date, ids: list[str], prefix: str) -> None:
    assert not identifier_holds_my_number(f"outgoing/refunds/{file_id_of(prefix, on, ids)}.txt")


class _NoRows:
    def continuity_rows(self, day: date) -> list[Any]:
        return []

    def carry_over_rows(self, month: str) -> list[Any]:
        return []


def test_the_federation_files_names_never_hold_a_my_number(s3: Any) -> None:
    """Built from the city's code and a month or day ("KG-401005-202604": twelve digits joined by a hyphen,
    which read as a valid number in about one month in ten) — an identifier, checked as one."""
    from kokuho.linkage.federation_export import export_carry_over, export_qualification

    months = [f"{y}-{m:02d}" for y in range(2020, 2061) for m in range(1, 13)]
    keys = [export_carry_over(_NoRows(), month, s3, "xb-test")["key"] for month in months]
    keys += [export_qualification(_NoRows(), date.fromordinal(n), s3, "xb-test")["key"]
             for n in range(date(2020, 1, 1).toordinal(), date(2061, 1, 1).toordinal(), 13)]
    assert len(set(keys)) == len(keys) > 1000
    assert not [k for k in keys if identifier_holds_my_number(k)]
