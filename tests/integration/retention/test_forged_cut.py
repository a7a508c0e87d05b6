"""Auditor's probe of the access records' retention cuts: the hourly digest anchored any sound cut as the chain's
floor — sound meaning only that it names the record before it as it is — without asking whether the records it covers
were due. A cut put over fresh records (by anyone who can append to the access log) was signed as the floor, and the
records below it could then be deleted with `kokuho audit verify` still saying intact. A digest now refuses a cut
over records younger than the access-records class's period, naming the chain; deleting them stays a break."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from kokuho.access.digest import DigestRefused, write_digest
from kokuho.access.records import Actor, cut_item, record_access, records_of_chain
from kokuho.cli.main import main as cli_main
from kokuho.retention.wiring import access_purge
from kokuho_local.embedded import EmbeddedAWS

CLERK = Actor(staff_id="S0001", terminal_id="T-KOKUHO-03", purpose="資格管理 (国保法第9条)")


def test_a_cut_over_records_not_yet_due_is_never_anchored(aws: EmbeddedAWS, capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    for _ in range(3):
        record_access(CLERK, ["P1"], "qualification", "read")
    write_digest()
    first, second, _ = list(records_of_chain("SUBJECT#P1"))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    assert access_purge().put_cut(cut_item("SUBJECT#P1", 3, second.hash, now, "forged", 2))
    with pytest.raises(DigestRefused, match="SUBJECT#P1"):
        write_digest()  # the fresh records are not the retention's to cut
    aws.client("dynamodb").delete_item(TableName=aws.table_name("access_log"),
                                       Key={"pk": {"S": "CHAIN#SUBJECT#P1"}, "sk": {"S": "REC#0000000001"}})
    capsys.readouterr()
    assert cli_main(["audit", "verify", "--json"]) == 1
    assert any("SUBJECT#P1 record 1" in b for b in json.loads(capsys.readouterr().out)["breaks"])


def test_a_cut_over_records_past_the_period_is_anchored(aws: EmbeddedAWS) -> None:
    for _ in range(2):
        record_access(CLERK, ["P1"], "qualification", "read")
    write_digest()
    first, _ = list(records_of_chain("SUBJECT#P1"))
    later = datetime.now(UTC) + timedelta(days=8 * 366)
    assert access_purge().put_cut(cut_item("SUBJECT#P1", 2, first.hash, later.isoformat(), "r", 1))
    assert write_digest(now=later)["floors"] == 1
