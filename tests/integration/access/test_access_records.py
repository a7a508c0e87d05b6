"""Access records (seed III-3 リスク2): written with every access, chained, tamper-evident."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from kokuho.access.records import (
    AccessRecordError,
    Actor,
    own_chain,
    record_access,
    records_by_staff,
    records_of_chain,
    records_of_subject,
    verify_all,
)
from kokuho.cli.main import main as cli_main
from kokuho.platform.tables import AUDIT_BUCKET, AWS_REGION, table
from kokuho.records.access_log import AccessRecordModel

CLERK = Actor(staff_id="S0001", terminal_id="T-KOKUHO-03", purpose="資格管理 (国保法第9条)")


@pytest.fixture
def access_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", AWS_REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        spec = table("access_log")
        boto3.client("dynamodb", region_name=AWS_REGION).create_table(
            TableName=spec.name(),
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in spec.key_attributes()],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[{
                "IndexName": "gsi1",
                "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"},
                              {"AttributeName": "gsi1sk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }],
        )
        # The audit bucket (empty: no digest written yet), where `kokuho audit verify` looks for digests.
        boto3.client("s3", region_name=AWS_REGION).create_bucket(
            Bucket=AUDIT_BUCKET.name(), CreateBucketConfiguration={"LocationConstraint": AWS_REGION})
        yield


def test_record_holds_when_who_terminal_whose_what_why_result(access_table: None) -> None:
    record_access(CLERK, ["P000123"], "qualification", "read")
    (rec,) = list(records_of_chain("SUBJECT#P000123"))
    assert (rec.staff_id, rec.terminal_id, rec.purpose) == ("S0001", "T-KOKUHO-03", CLERK.purpose)
    assert (list(rec.subject_ids), rec.category, rec.operation, rec.result) == (
        ["P000123"], "qualification", "read", "ok")
    assert rec.at.endswith("+00:00") and rec.prev_hash == "GENESIS"
    assert [r.seq for r in records_by_staff("S0001")] == [1]


def test_chain_links_each_record_to_the_previous(access_table: None) -> None:
    for op in ("read", "update", "read"):
        record_access(CLERK, ["P1"], "qualification", op)
    recs = list(records_of_chain("SUBJECT#P1"))
    assert [r.seq for r in recs] == [1, 2, 3]
    assert recs[1].prev_hash == recs[0].hash and recs[2].prev_hash == recs[1].hash
    assert verify_all() == (1, 3, [])


def test_record_commits_with_the_change_in_one_transaction(access_table: None) -> None:
    # A failing condition elsewhere in the transaction cancels the record too: no record without its change.
    record_access(CLERK, ["P2"], "qualification", "create")
    with pytest.raises(Exception):  # noqa: B017 - pynamodb raises TransactWriteError
        with TransactWrite(connection=Connection(region=AWS_REGION)) as tx:
            record_access(CLERK, ["P2"], "qualification", "update", transaction=tx)
            stale = AccessRecordModel.get("CHAIN#SUBJECT#P2", "REC#0000000001")
            tx.save(stale, condition=AccessRecordModel.pk.does_not_exist())  # fails: already exists
    assert [r.seq for r in records_of_chain("SUBJECT#P2")] == [1]
    assert verify_all()[2] == []


def test_concurrent_writers_to_one_chain_never_fork_it(access_table: None) -> None:
    # moto's DynamoDB is not thread-safe on its own; the embedded AWS serialises requests as DynamoDB
    # would apply them. What is under test is the chain's optimistic lock, not moto's threading.
    from kokuho_local.moto_dynamodb import patched_dynamodb

    with patched_dynamodb(), ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda i: record_access(CLERK, ["P3"], "qualification", f"read-{i}"), range(12)))
    assert [r.seq for r in records_of_chain("SUBJECT#P3")] == list(range(1, 13))
    assert verify_all()[2] == []


def test_edited_record_is_detected_and_named(access_table: None, capsys: pytest.CaptureFixture[str]) -> None:
    for op in ("read", "update", "read"):
        record_access(CLERK, ["P4"], "qualification", op)
    rec = AccessRecordModel.get("CHAIN#SUBJECT#P4", "REC#0000000002")
    rec.update(actions=[AccessRecordModel.staff_id.set("S9999")])  # someone covers their tracks
    assert cli_main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN: chain SUBJECT#P4 record 2: content does not match its hash: edited" in out


def test_deleted_record_is_detected(access_table: None) -> None:
    for op in ("a", "b", "c"):
        record_access(CLERK, ["P5"], "qualification", op)
    AccessRecordModel.get("CHAIN#SUBJECT#P5", "REC#0000000002").delete()
    _, _, breaks = verify_all()
    # Named twice: by its chain, and by the subject index entry it left behind.
    assert [str(b) for b in breaks] == ["chain SUBJECT#P5 record 2: missing (next present record is 3): deleted",
                                        "chain SUBJECT#P5 record 2: index entry of subject P5 names no such record"]


def test_edited_index_key_is_an_edit(access_table: None, capsys: pytest.CaptureFixture[str]) -> None:
    # gsi1sk decides where a record appears in the security team's per-staff listing: moving it there
    # (or any attribute added to a record) is an edit like any other.
    record_access(CLERK, ["P10"], "qualification", "read")
    record_access(CLERK, ["P10"], "qualification", "read")
    rec = AccessRecordModel.get("CHAIN#SUBJECT#P10", "REC#0000000001")
    rec.update(actions=[AccessRecordModel.gsi1sk.set("2020-01-01T00:00:00+00:00#00000000")])
    assert cli_main(["audit", "verify"]) == 1
    assert "BROKEN: chain SUBJECT#P10 record 1: content does not match its hash: edited" in capsys.readouterr().out


def test_a_writer_only_puts_new_keys(access_table: None) -> None:
    # Append-only: every write of an access record is a Put conditioned on its key not existing yet
    # (no head item updated in place, no overwrite), in a transaction or on its own.
    from kokuho.records.base import connection

    calls: list[dict[str, object]] = []
    events = connection().client.meta.events
    handler = events.register("before-parameter-build.dynamodb.*", lambda model, params, **_: calls.append(
        {"op": model.name, **params}))
    try:
        record_access(CLERK, ["P11"], "qualification", "read")
        record_access(CLERK, ["P11"], "qualification", "read")
        with TransactWrite(connection=connection()) as tx:
            record_access(CLERK, ["P11"], "qualification", "update", transaction=tx)
    finally:
        events.unregister("before-parameter-build.dynamodb.*", handler)
    writes = [c for c in calls if c["op"] not in ("Query", "GetItem", "Scan", "DescribeTable")]
    assert {str(c["op"]) for c in writes} == {"TransactWriteItems"}
    items = [i for c in writes for i in c["TransactItems"]]  # type: ignore[attr-defined]
    # Beside the puts, only condition checks (no write): records 2 and 3 on their predecessors.
    assert [list(i) for i in items if "Put" not in i] == [["ConditionCheck"]] * 2
    puts = [i for i in items if "Put" in i]
    assert len(puts) == 6  # three records, each with its subject index entry in the same transaction
    for item in puts:
        assert list(item) == ["Put"]
        put = item["Put"]
        names = put.get("ExpressionAttributeNames", {})
        condition = put["ConditionExpression"]
        for alias, name in names.items():
            condition = condition.replace(alias, name)
        assert condition == "attribute_not_exists (pk)"
    assert [r.seq for r in records_of_chain("SUBJECT#P11")] == [1, 2, 3]
    assert verify_all()[2] == []


def test_intact_table_verifies_with_exit_zero_and_json(access_table: None,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    record_access(CLERK, ["P7", "P8"], "assessment", "write", chain="run-1#batch-0")
    assert cli_main(["audit", "verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"chains": 1, "records": 1, "bucket": "kokuho-audit",
                                                   "bucket_found": True, "digests": 0, "latest_digest": None,
                                                   "intact": True, "breaks": []}


def test_a_wrong_audit_bucket_is_not_intact(access_table: None, capsys: pytest.CaptureFixture[str]) -> None:
    # On AWS the bucket is named on the command line: a typo must not read as "intact, no digest yet".
    record_access(CLERK, ["P7"], "qualification", "read")
    assert cli_main(["audit", "verify", "--bucket", "kokuho-audit-typo"]) == 1
    assert ("BROKEN: digest chain: no bucket kokuho-audit-typo: the records cannot be checked against their "
            "digests") in capsys.readouterr().out


@pytest.mark.parametrize("actor", [Actor("", "T1", "p"), Actor("S1", "", "p"), Actor("S1", "T1", "")])
def test_record_without_individual_staff_terminal_or_purpose_is_refused(access_table: None,
                                                                        actor: Actor) -> None:
    with pytest.raises(AccessRecordError):
        record_access(actor, ["P9"], "qualification", "read")
    with pytest.raises(AccessRecordError):
        record_access(CLERK, [], "qualification", "read")


def test_verify_runs_in_a_fresh_container(access_table: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # The scheduled verify starts in a container whose shared connection never wrote an access record.
    import kokuho.records.base as base
    from kokuho.access.records import scan_records

    for subject in ("P12", "P13", "P14"):
        record_access(CLERK, [subject], "qualification", "read")
    monkeypatch.setattr(base, "_connection", None)
    monkeypatch.setattr(AccessRecordModel, "_connection", None)
    # Pages of one item: every page after the first starts from the last key, which needs the schema.
    assert sorted(item["pk"] for item in scan_records(page_size=1)) == [
        "CHAIN#SUBJECT#P12", "CHAIN#SUBJECT#P13", "CHAIN#SUBJECT#P14", "SUBJ#P12", "SUBJ#P13", "SUBJ#P14"]


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every AWS request made from here on (operation, parameters), at botocore's one entry point."""
    from botocore.client import BaseClient

    calls: list[tuple[str, dict[str, Any]]] = []
    original = BaseClient._make_api_call

    def counted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        calls.append((operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    return calls


def test_a_containers_own_chain_is_never_read_for_its_head(access_table: None,
                                                         aws_calls: list[tuple[str, dict[str, Any]]]) -> None:
    # An API request's records go to its container's own chain, which no one else writes: the container
    # knows its head (GENESIS, then what it committed) and each record costs its transaction alone.
    actor = Actor("S0001", "T-KOKUHO-03", CLERK.purpose, chain=own_chain("kokuho-test-api"))
    for op in ("read", "read", "update"):
        record_access(actor, ["P15"], "qualification", op)
    with TransactWrite(connection=Connection(region=AWS_REGION)) as tx:
        record_access(actor, ["P16"], "qualification", "update", transaction=tx)
    assert [op for op, _ in aws_calls] == ["TransactWriteItems"] * 4
    recs = list(records_of_chain(actor.chain or ""))
    assert [(r.seq, r.staff_id) for r in recs] == [(1, "S0001"), (2, "S0001"), (3, "S0001"), (4, "S0001")]
    assert verify_all()[2] == []


def test_a_named_chain_this_container_began_is_read_for_its_head_once(
        access_table: None, aws_calls: list[tuple[str, dict[str, Any]]]) -> None:
    # A workflow batch names its chain (run#batch) and writes its read record, then a write record per
    # chunk: the head it committed is held (a head read each was 4 % of the monthly run's CPU); a person's
    # SUBJECT# chain, which many containers write, is read every time.
    from kokuho.access.records import holding_begun_heads

    chain = "annual-2024-2024-06#p001-b00007"
    with holding_begun_heads():
        record_access(CLERK, ["H1", "H2"], "賦課用世帯情報", "read", chain=chain)
        for _ in range(2):
            with TransactWrite(connection=Connection(region=AWS_REGION)) as tx:
                record_access(CLERK, ["H1"], "保険料賦課情報", "write", chain=chain, transaction=tx)
        assert [op for op, _ in aws_calls if op in ("Query", "TransactWriteItems")] == [
            "Query", "TransactWriteItems", "TransactWriteItems", "TransactWriteItems"]
        assert [r.seq for r in records_of_chain(chain)] == [1, 2, 3]
        aws_calls.clear()
        record_access(CLERK, ["P21"], "qualification", "read")
        record_access(CLERK, ["P21"], "qualification", "read")
    # outside, a named chain (a staff member's, an arrears household's) is read every time: others write it
    record_access(CLERK, ["P21"], "qualification", "read", chain="STAFF#S0009")
    record_access(CLERK, ["P21"], "qualification", "read", chain="STAFF#S0009")
    assert [op for op, _ in aws_calls].count("Query") == 4


def test_a_named_chain_another_writer_appended_to_is_read_again(access_table: None) -> None:
    import kokuho.access.records as records

    chain = "annual-2024-2024-06#p001-b00008"
    with records.holding_begun_heads():
        record_access(CLERK, ["H3"], "賦課用世帯情報", "read", chain=chain)
        held = records._heads[chain]
        record_access(CLERK, ["H3"], "賦課用世帯情報", "read", chain=chain)
        records._heads[chain] = held  # a duplicate of the batch appended record 2 elsewhere
        record_access(CLERK, ["H3"], "保険料賦課情報", "write", chain=chain)
    recs = list(records_of_chain(chain))
    assert [r.seq for r in recs] == [1, 2, 3] and recs[2].prev_hash == recs[1].hash
    assert verify_all()[2] == []


def test_own_chains_are_one_a_thread_and_hold_no_digit_run(access_table: None) -> None:
    import re

    here = own_chain("kokuho-test-api")
    with ThreadPoolExecutor(max_workers=1) as pool:
        there = pool.submit(own_chain, "kokuho-test-api").result()
    assert here == own_chain("kokuho-test-api") and here != there
    assert re.fullmatch(r"API#kokuho-test-api#\d{8}-[a-z]{16}", here)


def test_each_record_is_appended_only_to_the_record_it_links_to(
        access_table: None, aws_calls: list[tuple[str, dict[str, Any]]]) -> None:
    # The head the writer links to travels in the transaction as a condition (that record, with that
    # hash): a head held wrongly can only make the write fail and be retried.
    record_access(CLERK, ["P17"], "qualification", "read")
    record_access(CLERK, ["P17"], "qualification", "read")
    first, second = records_of_chain("SUBJECT#P17")
    (items,) = [p["TransactItems"] for op, p in aws_calls if op == "TransactWriteItems"][1:]
    (check,) = [i["ConditionCheck"] for i in items if "ConditionCheck" in i]
    assert check["Key"] == {"pk": {"S": "CHAIN#SUBJECT#P17"}, "sk": {"S": "REC#0000000001"}}
    assert list(check["ExpressionAttributeValues"].values()) == [{"S": first.hash}]
    assert second.prev_hash == first.hash


def test_a_stale_head_never_forks_the_chain(access_table: None) -> None:
    # Should the container hold a head that is no longer the last record (a commit whose answer was
    # lost), its write fails on the head's condition, reads the head again and appends after it.
    import kokuho.access.records as records

    actor = Actor("S0002", "T-KOKUHO-03", CLERK.purpose, chain=own_chain("kokuho-test-api"))
    record_access(actor, ["P18"], "qualification", "read")
    held = records._heads[str(actor.chain)]
    record_access(actor, ["P18"], "qualification", "read")
    records._heads[str(actor.chain)] = held  # record 2 committed, the container still holds record 1
    record_access(actor, ["P18"], "qualification", "update")
    recs = list(records_of_chain(str(actor.chain)))
    assert [r.seq for r in recs] == [1, 2, 3] and recs[2].prev_hash == recs[1].hash
    assert verify_all()[2] == []


def test_a_head_held_from_another_table_never_starts_a_chain_midway(access_table: None) -> None:
    # A head held from elsewhere (an earlier embedded AWS, a restored table) names a record this table
    # does not have: the chain still starts at 1, from GENESIS, never at a seq that links to nothing.
    import kokuho.access.records as records

    actor = Actor("S0003", "T-KOKUHO-03", CLERK.purpose, chain=own_chain("kokuho-test-api"))
    records._heads[str(actor.chain)] = (41, "x" * 43)
    record_access(actor, ["P19"], "qualification", "read")
    (rec,) = records_of_chain(str(actor.chain))
    assert (rec.seq, rec.prev_hash) == (1, "GENESIS")
    assert verify_all()[2] == []


def test_a_failed_transaction_leaves_the_head_where_it_was(access_table: None) -> None:
    actor = Actor("S0004", "T-KOKUHO-03", CLERK.purpose, chain=own_chain("kokuho-test-api"))
    record_access(actor, ["P20"], "qualification", "create")
    with pytest.raises(Exception):  # noqa: B017 - pynamodb raises TransactWriteError
        with TransactWrite(connection=Connection(region=AWS_REGION)) as tx:
            record_access(actor, ["P20"], "qualification", "update", transaction=tx)
            stale = AccessRecordModel.get(f"CHAIN#{actor.chain}", "REC#0000000001")
            tx.save(stale, condition=AccessRecordModel.pk.does_not_exist())  # fails: already exists
    record_access(actor, ["P20"], "qualification", "update")
    assert [r.seq for r in records_of_chain(str(actor.chain))] == [1, 2]
    assert verify_all()[2] == []


def test_an_actors_own_chain_takes_every_record_of_the_actor(access_table: None) -> None:
    # Its searches too (which name their searcher's chain for actors without one); a person's records
    # are found across chains through the subject index.
    actor = Actor("S0005", "T-KOKUHO-03", CLERK.purpose, chain=own_chain("kokuho-test-api"))
    record_access(actor, ["P21"], "qualification", "read")
    record_access(actor, ["P21", "P22"], "qualification", "search", chain="SEARCH#S0005")
    record_access(CLERK, ["P21"], "qualification", "update")
    assert [r.operation for r in records_of_chain(str(actor.chain))] == ["read", "search"]
    assert list(records_of_chain("SEARCH#S0005")) == []
    assert [(r.operation, r.chain) for r in records_of_subject("P21")] == [
        ("read", actor.chain), ("search", actor.chain), ("update", "SUBJECT#P21")]


def test_an_aws_request_id_whose_last_group_looks_like_a_my_number_is_still_recorded(access_table: None) -> None:
    """A UUID's last group is 12 hex characters: all digits with a valid check digit about once in a few
    hundred requests. It is AWS's identifier of the call, not a person's number: refusing it answered an
    ordinary request with 500 (seen in the API benchmark and as flaky route tests)."""
    from kokuho.identity.mynumber import check_digit
    from kokuho.platform.request_ids import RequestIds, serving

    group = "40130700012"
    group += str(check_digit(group))
    ids = RequestIds(f"6f1c2b1e-0d7a-4c8e-9a51-{group}", api_request_id=f"c0ffee00-1234-4abc-8def-{group}")
    with serving(ids):
        record_access(CLERK, ["P000124"], "qualification", "read")
    (rec,) = list(records_of_chain("SUBJECT#P000124"))
    assert (rec.request_id, rec.api_request_id) == (ids.request_id, ids.api_request_id)


@pytest.mark.parametrize("shape", ["{n}", "run-{n}", "{a}-{b}-{c}", "ｒｕｎ{n}"])
def test_a_run_id_holding_a_my_number_is_refused(access_table: None, shape: str) -> None:
    from kokuho.identity.mynumber import check_digit
    from kokuho.platform.request_ids import RequestIds, serving

    n = "40130700012"
    n += str(check_digit(n))
    run_id = shape.format(n=n, a=n[:4], b=n[4:8], c=n[8:])
    try:
        ids = RequestIds("6f1c2b1e-0d7a-4c8e-9a51-3f0e2d9b7c10", run_id=run_id)
    except ValueError:
        return  # refused where the ids are made
    with serving(ids), pytest.raises(AccessRecordError):
        record_access(CLERK, ["P000125"], "qualification", "read")


def test_a_batch_write_is_found_through_the_read_record_of_its_chain(access_table: None) -> None:
    # A workflow batch records its reads (every household of the batch) and then its writes, in its own
    # chain. The write records carry no index entries of their own (one entry a household, not two: the
    # access log's share of an annual run): who-accessed finds the batch through its read record, whose
    # chain holds the writes. Verify holds every subject of such a record to an earlier record of its
    # chain naming it, with its entry.
    record_access(CLERK, ["H1", "H2", "H3"], "賦課用世帯情報", "read", chain="RUN#B2")
    record_access(CLERK, ["H1", "H3"], "保険料賦課情報", "write", chain="RUN#B2", indexed_by_chain=True)
    assert [(r.operation, r.chain) for r in records_of_subject("H3")] == [("read", "RUN#B2")]
    assert [r.subject_index for r in records_of_chain("RUN#B2")] == ["SUBJ#v3", "SUBJ#v2/chain"]
    assert verify_all()[2] == []
    # a subject its chain never named before would be found by no search: a break
    record_access(CLERK, ["H9"], "保険料賦課情報", "write", chain="RUN#B2", indexed_by_chain=True)
    assert [str(b) for b in verify_all()[2]] == [
        "chain RUN#B2 record 3: subject H9 has no index entry and no earlier record of its chain names it: "
        "a search for who accessed them would miss this record"]


def test_a_break_never_prints_a_my_number_an_intruder_wrote(access_table: None,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Probe: `kokuho audit verify` named a stray item by its key as stored (`item '…' is not an access record`)
    and its chain by its pk — values an intruder wrote into the access log, a My Number included (as `trail scan`
    echoed a record's eventTime before). A break is named by its place; a part holding a My Number is redacted."""
    from kokuho.identity.mynumber import check_digit, count_my_numbers

    number = "12345678901" + str(check_digit("12345678901"))
    record_access(CLERK, ["P11"], "qualification", "read")
    client = boto3.client("dynamodb", region_name=AWS_REGION)
    for pk, sk in ((f"CHAIN#{number}", "REC#0000000001"), ("CHAIN#SUBJECT#P11", f"NOTE#{number[:4]}-{number[4:8]}-"
                                                                                   f"{number[8:]}")):
        client.put_item(TableName=table("access_log").name(), Item={"pk": {"S": pk}, "sk": {"S": sk}})
    assert cli_main(["audit", "verify"]) == 1
    assert cli_main(["audit", "verify", "--json"]) == 1
    out = capsys.readouterr().out
    assert out.count("BROKEN: ") >= 2 and count_my_numbers(out, inside_identifiers=True) == 0
