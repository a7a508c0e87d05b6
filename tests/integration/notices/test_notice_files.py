"""A print run into the work bucket on the embedded AWS: every part and the manifest stored encrypted with the
bucket's KMS key, the manifest read back only once the run is complete, each part's checksum that of the
object stored; every part written leaves one access record naming its households and payers, in the same
step, once even when the step is run again."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from kokuho.access.records import Actor, records_by_staff
from kokuho.collection.ledger import charge_from_version
from kokuho.notices import Addressee, PaymentNotice
from kokuho.notices.print_run import print_run
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, aws_region
from kokuho.premium.installments import split_equally
from kokuho.records.notice_files import notice_recorder, read_manifest, work_bucket_put

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]


def notice(k: int) -> PaymentNotice:
    charge = charge_from_version(f"H{k:06d}", 2024, version=1, payer_id=f"P{k:06d}", annual=120_000,
                                 installments=split_equally(120_000, MONTHS))
    return PaymentNotice(charge, f"納付 者{k}", Addressee(f"納付 者{k}", "802-0001", "福岡県北九州市小倉北区浅野1丁目"),
                         date(2024, 6, 14))


@pytest.mark.usefixtures("aws")
def test_a_print_run_lands_encrypted_in_the_work_bucket_with_its_manifest() -> None:
    import boto3

    s3 = boto3.client("s3", region_name=aws_region())
    assert read_manifest("JUNE-2024", s3) is None
    manifest = print_run("JUNE-2024", [notice(k) for k in range(3)], put=work_bucket_put(s3), per_part=2,
                         record=notice_recorder(RUN))
    assert read_manifest("JUNE-2024", s3) == manifest
    bucket = BUCKETS_BY_LOGICAL["work"].name()
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="notices/JUNE-2024/")["Contents"])
    assert keys == ["notices/JUNE-2024/manifest.json", "notices/JUNE-2024/part-0001.pdf",
                    "notices/JUNE-2024/part-0002.pdf"]
    for key in keys:
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head["ServerSideEncryption"] == "aws:kms" and head.get("SSEKMSKeyId")
    for part in manifest["parts"]:
        data = s3.get_object(Bucket=bucket, Key=part["key"])["Body"].read()
        assert hashlib.sha256(data).hexdigest() == part["sha256"]


RUN = Actor(staff_id="system:notice-run", terminal_id="run-1", purpose="納入通知 (国保法第76条)")


@pytest.mark.usefixtures("aws")
def test_each_part_written_leaves_one_access_record_naming_its_households_and_payers_once() -> None:
    import boto3

    s3 = boto3.client("s3", region_name=aws_region())
    notices = [notice(k) for k in range(3)]
    print_run("JULY-2024", notices, put=work_bucket_put(s3), per_part=2, record=notice_recorder(RUN))
    records = sorted(records_by_staff("system:notice-run"), key=lambda r: str(r.chain))
    assert [(r.chain, sorted(r.subject_ids), r.operation, r.category) for r in records] == [
        ("NOTICES#JULY-2024#part-0001", ["H000000", "H000001", "P000000", "P000001"], "write", "通知書"),
        ("NOTICES#JULY-2024#part-0002", ["H000002", "P000002"], "write", "通知書"),
    ]
    # The step run again (a retry after a timeout): the same parts written again, no second record.
    print_run("JULY-2024", notices, put=work_bucket_put(s3), per_part=2, record=notice_recorder(RUN))
    assert len(list(records_by_staff("system:notice-run"))) == 2
