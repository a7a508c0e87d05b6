"""Probe (the security team, against interfaces.md `bulk-read`): the rule exempts the retention run by the role its
session was issued by — compared by the role's name alone. A role of that name in another account (a DynamoDB
resource policy lets another account read a table; CloudTrail records the call in the table owner's trail, the
issuer's account the caller's) read in bulk unreported, and likewise the My Number table through a foreign role
named as the vault's data role. A role is the function's only in the account whose trail recorded the event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from trail_fixtures import ACCOUNT, log_path, record, write_by_day, write_log

from kokuho.cli.main import main
from kokuho.platform.catalog.model import data_role_name
from kokuho.trail.detections import catalog_function_logicals, load_detections
from kokuho.trail.logs import RecordReader
from kokuho.trail.scan import Scanner

FOREIGN = "999988887777"


def role_identity(role: str, account: str, staff: str = "S0301") -> dict[str, Any]:
    return {"type": "AssumedRole", "principalId": f"AROAFOREIGNROLEID01:{staff}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{staff}", "accountId": account,
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAFOREIGNROLEID01",
                                                 "arn": f"arn:aws:iam::{account}:role/{role}",
                                                 "accountId": account, "userName": role},
                               "attributes": {"creationDate": "2024-11-05T00:00:00Z", "mfaAuthenticated": "false"},
                               "sourceIdentity": staff}}


def reads(role: str, account: str, table: str, n: int) -> list[dict[str, Any]]:
    return [record("GetItem", "dynamodb.amazonaws.com", i, role_identity(role, account),
                   params={"tableName": table, "key": {"pk": "PERSON#P000123"}}) for i in range(n)]


def scan(tmp_path: Path, capsys: pytest.CaptureFixture[str], records: list[dict[str, Any]]) -> list[str]:
    write_log(log_path(tmp_path, 0), records)
    assert main(["trail", "scan", "--logs", str(tmp_path), "--json", "--bulk-read-threshold", "3"]) == 0
    return [json.loads(line)["rule"] for line in capsys.readouterr().out.splitlines()]


def purge_role() -> str:
    (logical,) = catalog_function_logicals("access_log", "purge", with_data_role=True)
    return data_role_name(f"kokuho-{logical}")


def test_a_foreign_role_named_as_the_retention_runs_is_counted(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from test_trail_athena_queries import scan_findings, sql_findings

    records = reads(purge_role(), FOREIGN, "kokuho-persons", 4)
    assert scan(tmp_path / "logs", capsys, records) == ["bulk-read"]
    (det,) = [d for d in load_detections() if d.id == "bulk-read"]
    write_by_day(tmp_path / "bucket", records)
    assert sql_findings(tmp_path / "bucket", det, {"count": 3}) == scan_findings(records, det, {"count": 3})


def test_the_retention_runs_own_role_is_still_not_counted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert scan(tmp_path, capsys, reads(purge_role(), ACCOUNT, "kokuho-persons", 4)) == []


@pytest.mark.parametrize("detection", ["mynumber-access", "access-log-write"])
def test_every_exemption_by_role_holds_in_the_trails_own_account_only(detection: str, tmp_path: Path) -> None:
    """The detections whose match exempts a function's role: each inline case that the exemption keeps silent
    is reported once the role is another account's, by the scan and by its Athena query."""
    from test_trail_athena_queries import scan_findings, sql_findings

    (det,) = [d for d in load_detections() if d.id == detection]
    silent = [c for c in det.tests if not c.expect and any(_issuer(r) for r in c.records)]
    assert silent, f"{detection}: no inline case exempts a role"
    for n, case in enumerate(silent):
        records = [_foreign(r) for r in case.records]
        path = write_log(log_path(tmp_path / str(n), 0), records)
        for fast in (False, True):  # the full parse, and the fast reader: it must keep the fields compared
            scanner = Scanner([det], {det.id: case.thresholds})
            scanner.feed(RecordReader(scanner.fields).read(path) if fast else records)
            assert scanner.findings(), f"{detection}: {case.name}: a foreign role of the name is exempt"
        # The Athena named query (run here through DuckDB) finds what the scan finds.
        root = tmp_path / f"bucket{n}"
        write_by_day(root, records)
        assert sql_findings(root, det, case.thresholds) == scan_findings(records, det, case.thresholds), case.name


def _issuer(rec: dict[str, Any]) -> Any:
    return ((rec.get("userIdentity") or {}).get("sessionContext") or {}).get("sessionIssuer")


def _foreign(rec: dict[str, Any]) -> dict[str, Any]:
    rec = json.loads(json.dumps(rec))
    issuer = _issuer(rec)
    if issuer:
        issuer["accountId"] = FOREIGN
        issuer["arn"] = str(issuer.get("arn", "")).replace(ACCOUNT, FOREIGN)
        rec["userIdentity"]["accountId"] = FOREIGN
    return rec
