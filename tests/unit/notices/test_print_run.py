"""A print run (issue 12 item 8): notices rendered in parts, each part one PDF, and a print manifest (each part's
key, notices, pages and SHA-256) written after the parts; bad input refused before anything is written."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pypdfium2 as pdfium
import pytest

from kokuho.collection.ledger import charge_from_version
from kokuho.notices import Addressee, NoticeError, PaymentNotice
from kokuho.notices.print_run import print_run
from kokuho.premium.installments import split_equally

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]


def notice(k: int, *, name: str | None = None, installments: int = 10) -> PaymentNotice:
    annual = 100_000 + k * 1_000
    charge = charge_from_version(f"H{k:06d}", 2024, version=1, payer_id=f"P{k:06d}", annual=annual,
                                 installments=split_equally(annual, MONTHS[10 - installments:]))
    return PaymentNotice(charge, f"納付 者{k}" if name is None else name,
                         Addressee(f"納付 者{k}", "802-0001", "福岡県北九州市小倉北区浅野1丁目"), date(2024, 6, 14))


class Bucket:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.order: list[str] = []

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (data, content_type)
        self.order.append(key)

    def record(self, key: str, subjects: list[str]) -> None:
        self.order.append(f"record {key} " + " ".join(subjects))


def test_parts_and_manifest_hold_every_notice_with_its_pages_and_checksum() -> None:
    bucket = Bucket()
    notices = [notice(k, installments=10 if k % 2 else 3) for k in range(5)]  # 4 pages, or 2 (3 slips)
    manifest = print_run("JUNE-2024", notices, put=bucket.put, record=bucket.record, per_part=2)
    assert bucket.order[-1] == "notices/JUNE-2024/manifest.json"  # written last: its presence means complete
    assert json.loads(bucket.objects["notices/JUNE-2024/manifest.json"][0]) == manifest
    assert [p["notices"] for p in manifest["parts"]] == [2, 2, 1]
    for part in manifest["parts"]:
        data, content_type = bucket.objects[part["key"]]
        assert content_type == "application/pdf" and part["key"].endswith(".pdf")
        assert part["sha256"] == hashlib.sha256(data).hexdigest() and part["bytes"] == len(data)
        assert part["pages"] == len(pdfium.PdfDocument(data))
    assert manifest["notices"] == 5 and manifest["pages"] == 4 * 2 + 2 * 3


def test_a_rerun_writes_the_same_bytes() -> None:
    a, b = Bucket(), Bucket()
    notices = [notice(k) for k in range(3)]
    print_run("R1", notices, put=a.put, record=a.record, per_part=2)
    print_run("R1", notices, put=b.put, record=b.record, per_part=2)
    assert a.objects == b.objects


def test_a_bad_notice_is_refused_naming_it_and_nothing_is_written() -> None:
    bucket = Bucket()
    notices = [notice(k) for k in range(4)]
    notices[3] = notice(3, name="")
    with pytest.raises(NoticeError) as err:
        print_run("R2", notices, put=bucket.put, record=bucket.record, per_part=2)
    assert err.value.field == "notices[3].payer_name" and bucket.objects == {} and bucket.order == []
    for run_id in ("", "../x", "a" * 65):
        with pytest.raises(NoticeError) as err:
            print_run(run_id, notices[:1], put=bucket.put, record=bucket.record)
        assert err.value.field == "run_id"
    with pytest.raises(NoticeError) as err:
        print_run("R3", notices[:1], put=bucket.put, record=bucket.record, per_part=0)
    assert err.value.field == "per_part" and bucket.objects == {}


def test_each_part_is_recorded_naming_its_households_and_payers_before_it_is_written() -> None:
    bucket = Bucket()
    print_run("R4", [notice(k) for k in range(3)], put=bucket.put, record=bucket.record, per_part=2)
    assert bucket.order == [
        "record notices/R4/part-0001.pdf H000000 H000001 P000000 P000001", "notices/R4/part-0001.pdf",
        "record notices/R4/part-0002.pdf H000002 P000002", "notices/R4/part-0002.pdf",
        "notices/R4/manifest.json",
    ]
