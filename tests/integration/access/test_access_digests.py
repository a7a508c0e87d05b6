"""The access history cannot be rewritten (issue 9 items 10-11): the chains' heads are anchored by signed
digests in the Object-Locked audit bucket; `kokuho audit verify` names every way to rewrite the end of a
chain, and the hourly anchoring fails — raising the security alarm — instead of signing a rewritten history."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from kokuho.access.chain import record_hash
from kokuho.access.digest import PREFIX, DigestRefused, write_digest
from kokuho.access.records import Actor, record_access
from kokuho.cli.main import main as cli_main
from kokuho_local.embedded import EmbeddedAWS, ExecutionFailed

CLERK = Actor(staff_id="S0001", terminal_id="T-KOKUHO-03", purpose="資格管理 (国保法第9条)")


def _history(chains: dict[str, int]) -> None:
    for subject, n in chains.items():
        for i in range(n):
            record_access(CLERK, [subject], "qualification", f"read-{i}")


def _table(aws: EmbeddedAWS) -> tuple[Any, str]:
    return aws.client("dynamodb"), aws.table_name("access_log")


def _item(aws: EmbeddedAWS, subject: str, seq: int) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    ddb, name = _table(aws)
    raw = ddb.get_item(TableName=name, Key={"pk": {"S": f"CHAIN#SUBJECT#{subject}"},
                                            "sk": {"S": f"REC#{seq:010d}"}})["Item"]
    return {k: TypeDeserializer().deserialize(v) for k, v in raw.items()}


def _put(aws: EmbeddedAWS, item: dict[str, Any]) -> None:
    from boto3.dynamodb.types import TypeSerializer

    ddb, name = _table(aws)
    ddb.put_item(TableName=name, Item={k: TypeSerializer().serialize(v) for k, v in item.items()})


def _delete(aws: EmbeddedAWS, subject: str, seq: int) -> None:
    ddb, name = _table(aws)
    ddb.delete_item(TableName=name, Key={"pk": {"S": f"CHAIN#SUBJECT#{subject}"}, "sk": {"S": f"REC#{seq:010d}"}})


def rewrite_head(aws: EmbeddedAWS) -> None:
    # Someone with write access rewrites the last record and recomputes its hash: the chain still links.
    item = _item(aws, "P1", 3)
    item["staff_id"] = "S9999"
    item["hash"] = record_hash(item)
    _put(aws, item)


def truncate_tail(aws: EmbeddedAWS) -> None:
    # The last two records deleted (there is no head item to move back: the head is the last record).
    _delete(aws, "P1", 3)
    _delete(aws, "P1", 2)


def delete_chain(aws: EmbeddedAWS) -> None:
    for seq in (1, 2, 3):
        _delete(aws, "P1", seq)


def edit_index_key(aws: EmbeddedAWS) -> None:
    item = _item(aws, "P1", 2)
    item["gsi1sk"] = "2020-01-01T00:00:00.000000+00:00#00000000"
    _put(aws, item)


_GONE = "chain SUBJECT#P1 record {}: index entry of subject P1 names no such record"
# Each rewrite named by the chain and its digest, and — where a record changed or vanished under its
# subject index entry — by the index too (a rewritten head shows there even before any digest).
TAMPERING: dict[str, tuple[Callable[[EmbeddedAWS], None], list[str]]] = {
    "rewritten head": (rewrite_head, [f"chain SUBJECT#P1 record 3: head rewritten: differs from the record digest "
                                      f"{PREFIX}0000000001.json anchored",
                                      "chain SUBJECT#P1 record 3: index entry of subject P1 differs from its "
                                      "record: edited"]),
    "truncated tail": (truncate_tail, [f"chain SUBJECT#P1 record 2: tail truncated: records 2..3 anchored by "
                                       f"digest {PREFIX}0000000001.json are gone", _GONE.format(2), _GONE.format(3)]),
    "deleted chain": (delete_chain, [f"chain SUBJECT#P1 record 3: chain deleted: digest {PREFIX}0000000001.json "
                                     f"anchored 3 record(s), none found", *(_GONE.format(n) for n in (1, 2, 3))]),
    "edited gsi1sk": (edit_index_key, ["chain SUBJECT#P1 record 2: content does not match its hash: edited"]),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_each_rewrite_of_the_history_is_detected_and_named(
    aws: EmbeddedAWS, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _history({"P1": 3, "P2": 2})
    write_digest()
    _history({"P2": 1, "P3": 1})  # written after the digest: not anchored yet, still fine
    tamper, named = TAMPERING[case]
    tamper(aws)
    assert cli_main(["audit", "verify", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["breaks"] == named
    assert (result["digests"], result["latest_digest"], result["intact"]) == (1, f"{PREFIX}0000000001.json", False)


def test_an_intact_history_verifies_against_the_digest_chain(aws: EmbeddedAWS,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    _history({"P1": 2})
    first = write_digest()
    _history({"P1": 1, "P2": 2})
    second = write_digest()
    _history({"P3": 1})
    assert (first["number"], first["chains"], first["changed"]) == (1, 1, 1)
    assert (second["number"], second["chains"], second["changed"]) == (2, 2, 2)
    assert cli_main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "checked 3 chains, 6 access records" in out
    assert f"against 2 signed digest(s), the latest {PREFIX}0000000002.json" in out and out.rstrip().endswith("intact")
    # The digests are signed and chained: the second names the first by key and signature.
    s3 = aws.client("s3")
    bucket = aws.bucket_name("audit")
    one = s3.get_object(Bucket=bucket, Key=f"{PREFIX}0000000001.json")
    two = json.loads(s3.get_object(Bucket=bucket, Key=f"{PREFIX}0000000002.json")["Body"].read())
    assert two["previous"] == {"key": f"{PREFIX}0000000001.json", "signature": one["Metadata"]["signature"]}
    assert one["Metadata"]["signing-key"] == aws.signing_key_arn("access_digest")


def test_a_forged_digest_is_named(aws: EmbeddedAWS, capsys: pytest.CaptureFixture[str]) -> None:
    # Object Lock keeps every version, but a new version of a digest could be put by whoever may write
    # the bucket: without the signing key its signature cannot verify.
    _history({"P1": 3})
    write_digest()
    s3, bucket, key = aws.client("s3"), aws.bucket_name("audit"), f"{PREFIX}0000000001.json"
    obj = s3.get_object(Bucket=bucket, Key=key)
    doc = json.loads(obj["Body"].read())
    doc["heads"] = {}  # forget the chain, then truncate it
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(doc).encode(), Metadata=obj["Metadata"])
    assert cli_main(["audit", "verify"]) == 1
    assert (f"BROKEN: digest chain: digest {key}: signature does not verify with the digest key: forged or altered"
            in capsys.readouterr().out)


def test_digests_cannot_be_deleted(aws: EmbeddedAWS) -> None:
    _history({"P1": 1})
    write_digest()
    s3, bucket, key = aws.client("s3"), aws.bucket_name("audit"), f"{PREFIX}0000000001.json"
    (version,) = s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
    with pytest.raises(s3.exceptions.ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=bucket, Key=key, VersionId=version["VersionId"])


def test_the_digest_step_refuses_to_anchor_a_rewritten_history(aws: EmbeddedAWS) -> None:
    _history({"P1": 3})
    write_digest()
    truncate_tail(aws)
    with pytest.raises(DigestRefused) as refused:
        write_digest()
    assert refused.value.problems == [
        f"chain SUBJECT#P1: tail truncated (digest {PREFIX}0000000001.json anchored 3, 1 left)"]


def test_the_hourly_anchoring_verifies_signs_and_fails_on_a_break(aws: EmbeddedAWS) -> None:
    _history({"P1": 3})
    out = aws.run_state_machine("audit-anchor", {}, name="anchor-1")
    assert (out["digest"], out["chains"]) == (f"{PREFIX}0000000001.json", 1)
    _history({"P1": 1})
    assert aws.run_state_machine("audit-anchor", {}, name="anchor-2")["number"] == 2
    rewrite_head_at = _item(aws, "P1", 4)
    rewrite_head_at["result"] = "denied"
    rewrite_head_at["hash"] = record_hash(rewrite_head_at)
    _put(aws, rewrite_head_at)
    with pytest.raises(ExecutionFailed) as failed:
        aws.run_state_machine("audit-anchor", {}, name="anchor-3")
    assert failed.value.error == "AccessHistoryBroken"  # what the security alarm watches (Audit stack)
    listed = aws.client("s3").list_objects_v2(Bucket=aws.bucket_name("audit"), Prefix=PREFIX)["Contents"]
    assert [o["Key"] for o in listed] == [f"{PREFIX}0000000001.json", f"{PREFIX}0000000002.json"]
