"""A print run into the work bucket on the embedded AWS: every part and the manifest stored encrypted with the
bucket's KMS key, the manifest read back only once the run is complete, each part's checksum that of the
object stored."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from kokuho.collection.ledger import charge_from_version
from kokuho.notices import Addressee, PaymentNotice
from kokuho.notices.print_run import print_run
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, aws_region
from kokuho.premium.installments import split_equally
from kokuho.records.notice_files import read_manifest, work_bucket_put

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
    manifest = print_run("JUNE-2024", [notice(k) for k in range(3)], put=work_bucket_put(s3), per_part=2)
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
