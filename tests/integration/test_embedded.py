"""The embedded AWS is built from the same definitions the stacks deploy, and runs the catalog's handlers."""

from __future__ import annotations

import json
import re

import pytest

from kokuho.platform.catalog import FUNCTIONS, STATE_MACHINES
from kokuho.platform.embedded import EmbeddedAWS
from kokuho.platform.tables import AUDIT_BUCKET, BUCKETS_BY_LOGICAL, SIGNING_KEYS, TABLES, DataClass, key_alias


def _key_schema(schema: list[dict[str, str]]) -> tuple[str, str | None]:
    hash_key = next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")
    range_key = next((k["AttributeName"] for k in schema if k["KeyType"] == "RANGE"), None)
    return hash_key, range_key


@pytest.mark.parametrize("spec", TABLES, ids=lambda t: t.logical)
def test_table_keys_indexes_ttl_and_key_match_tables_py(aws_module: EmbeddedAWS, spec) -> None:  # type: ignore[no-untyped-def]
    ddb = aws_module.client("dynamodb")
    desc = ddb.describe_table(TableName=spec.name())["Table"]
    assert _key_schema(desc["KeySchema"]) == (spec.partition_key, spec.sort_key)
    local_indexes = {ix["IndexName"]: _key_schema(ix["KeySchema"])
                     for ix in desc.get("GlobalSecondaryIndexes", [])}
    assert local_indexes == {ix.name: (ix.partition_key, ix.sort_key) for ix in spec.indexes}
    ttl = ddb.describe_time_to_live(TableName=spec.name())["TimeToLiveDescription"]
    if spec.ttl_attribute:
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", spec.ttl_attribute)
    else:
        assert ttl["TimeToLiveStatus"] == "DISABLED"
    assert desc["SSEDescription"]["KMSMasterKeyArn"] == aws_module.key_arn(spec.data_class)


def test_one_key_per_data_class_under_its_alias(aws_module: EmbeddedAWS) -> None:
    aliases = {a["AliasName"]: a["TargetKeyId"] for a in aws_module.client("kms").list_aliases()["Aliases"]
               if a["AliasName"].startswith("alias/kokuho-")}
    assert set(aliases) == {key_alias(dc) for dc in DataClass} | {k.alias for k in SIGNING_KEYS}
    assert len(set(aliases.values())) == len(DataClass) + len(SIGNING_KEYS)
    for k in SIGNING_KEYS:
        meta = aws_module.client("kms").describe_key(KeyId=k.alias)["KeyMetadata"]
        assert (meta["KeyUsage"], meta["KeySpec"]) == ("SIGN_VERIFY", k.key_spec)


def test_buckets_exist_encrypted_with_their_data_class_key(aws_module: EmbeddedAWS) -> None:
    s3 = aws_module.client("s3")
    for b in BUCKETS_BY_LOGICAL.values():
        rule = s3.get_bucket_encryption(Bucket=b.name())["ServerSideEncryptionConfiguration"]["Rules"][0]
        default = rule["ApplyServerSideEncryptionByDefault"]
        assert (default["SSEAlgorithm"], default["KMSMasterKeyID"]) == ("aws:kms", aws_module.key_arn(b.data_class))
    lock = s3.get_object_lock_configuration(Bucket=AUDIT_BUCKET.name())["ObjectLockConfiguration"]
    retention = lock["Rule"]["DefaultRetention"]
    assert (retention["Mode"], retention["Days"]) == ("COMPLIANCE", AUDIT_BUCKET.object_lock_days)


def test_every_catalog_function_is_registered_with_its_handler_and_table_env(aws_module: EmbeddedAWS) -> None:
    lam = aws_module.client("lambda")
    for fn in FUNCTIONS:
        conf = lam.get_function_configuration(FunctionName=aws_module.function_arn(fn.logical))
        assert conf["Handler"] == fn.handler
        env = conf["Environment"]["Variables"]
        for t in TABLES:
            assert (t.env_var in env) == (t.logical in fn.tables)


def test_state_machines_are_the_asl_files_with_every_placeholder_substituted(aws_module: EmbeddedAWS) -> None:
    sfn = aws_module.client("stepfunctions")
    for sm in STATE_MACHINES:
        definition = sfn.describe_state_machine(stateMachineArn=aws_module.state_machine_arn(sm.logical))["definition"]
        assert not re.search(r"\$\{[A-Za-z0-9_]+\}", definition)
        for placeholder, (kind, ref) in sm.substitutions.items():
            if kind == "function":
                assert aws_module.function_arn(ref) in definition, placeholder
        json.loads(definition)
