"""Outgoing 国保連合会 files: 資格継続 (daily) and 高額該当の引き継ぎ (monthly), built from a
QualificationSource, written to outgoing/ with the export's access records."""

from __future__ import annotations

from datetime import date
from typing import Any

from kokuho.access.records import Actor, record_access
from kokuho.linkage.federation_apply import SUBJECTS_PER_RECORD
from kokuho.linkage.federation_codec import build_file
from kokuho.linkage.federation_files import OUTGOING
from kokuho.linkage.federation_ports import CITY_MUNICIPALITY, FEDERATION, QualificationSource
from kokuho.platform import exchange_subjects
from kokuho.requests.suspension import declare_use

EXPORT = Actor(staff_id="system:federation-export", terminal_id="stepfunctions",
               purpose="資格継続・高額該当の引き継ぎ (委託事項7)")


def _record_subjects(actor: Actor, subjects: list[str], category: str, operation: str, chain: str) -> None:
    for i in range(0, len(subjects), SUBJECTS_PER_RECORD):
        record_access(actor, subjects[i:i + SUBJECTS_PER_RECORD], category, operation, chain=chain)


def export_qualification(source: QualificationSource, day: date, s3: Any, bucket: str) -> dict[str, Any]:
    declare_use("linkage.federation_export")  # 利用停止: the federation acts for the city (the data says which law)
    file_id = f"QC-{CITY_MUNICIPALITY}-{day:%Y%m%d}"
    rows = list(source.continuity_rows(day))
    data = build_file("QUALCONT", file_id, rows, CITY_MUNICIPALITY, FEDERATION)
    key = f"{OUTGOING}{file_id}.txt"
    with exchange_subjects.collecting():  # whose data the file holds, recorded beside it (legal hold)
        _record_subjects(EXPORT, sorted({r.person_id for r in rows}), "federation_qualcont", "export",
                         f"FILE#{file_id}")
        exchange_subjects.put_file(s3, bucket, key, data, "text/plain; charset=utf-8")
    return {"key": key, "file_id": file_id, "records": data.count(b"\nD,")}


def export_carry_over(source: QualificationSource, month: str, s3: Any, bucket: str) -> dict[str, Any]:
    declare_use("linkage.federation_export")
    file_id = f"KG-{CITY_MUNICIPALITY}-{month.replace('-', '')}"
    rows = list(source.carry_over_rows(month))
    data = build_file("KOGAKU", file_id, rows, CITY_MUNICIPALITY, FEDERATION)
    key = f"{OUTGOING}{file_id}.txt"
    with exchange_subjects.collecting():
        _record_subjects(EXPORT, sorted({r.householder_id for r in rows}), "federation_kogaku", "export",
                         f"FILE#{file_id}")
        exchange_subjects.put_file(s3, bucket, key, data, "text/plain; charset=utf-8")
    return {"key": key, "file_id": file_id, "records": data.count(b"\nD,")}
