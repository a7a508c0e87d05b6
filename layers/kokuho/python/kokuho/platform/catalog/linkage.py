"""Catalog entries of the linkage area (owned by that area): 情報連携 provision and query, the staff
approval of 自動応答不可 items, retention purge, 国保連合会 file exchange."""

from __future__ import annotations

from kokuho.platform.catalog.model import Access, FunctionSpec, Schedule, StateMachineSpec
from kokuho.platform.catalog.qualification import VAULT_FUNCTION

_LINK: dict[str, Access] = {"linkage": "write", "linkage_records": "write", "access_log": "write"}
# Provision and query steps answer the intermediate server's traffic: more than a workflow step's default.
_EXCHANGE_CONCURRENCY = 10

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec("linkage-provision-check", "linkage.provision.check",
                 "情報提供: judge an inbound request against the permitted list and the permit",
                 tables={**_LINK}, reserved_concurrency=_EXCHANGE_CONCURRENCY),
    FunctionSpec("linkage-provision-park", "linkage.provision.park",
                 "情報提供: park a 自動応答不可 request for a staff approval (task token)",
                 tables={**_LINK}, reserved_concurrency=_EXCHANGE_CONCURRENCY),
    FunctionSpec("linkage-provision-provide", "linkage.provision.provide",
                 "情報提供: build the allowed fields, encrypt to the requester; record and reply in one transaction",
                 # requests: the person's 利用停止 marks (a suspended person's request is refused, recorded)
                 tables={**_LINK, "requests": "read"}, reserved_concurrency=_EXCHANGE_CONCURRENCY),
    FunctionSpec("linkage-provision-send", "linkage.provision.send",
                 "情報提供: send the committed reply from the outbox (idempotent, retried)",
                 tables={"linkage": "write"}, reserved_concurrency=_EXCHANGE_CONCURRENCY),
    FunctionSpec("linkage-provision-refuse", "linkage.provision.refuse",
                 "情報提供: record a refusal after an approval was refused or timed out",
                 tables={**_LINK}, reserved_concurrency=_EXCHANGE_CONCURRENCY),
    FunctionSpec("linkage-query-prepare", "linkage.query.prepare",
                 "情報照会: 符号 and permit for items 48, 69, 70", tables={**_LINK, "requests": "read"},  # 利用停止
                 reserved_concurrency=_EXCHANGE_CONCURRENCY),
    FunctionSpec("linkage-query-send", "linkage.query.send",
                 "情報照会: send through the intermediate server", tables={}, timeout_seconds=120,
                 reserved_concurrency=_EXCHANGE_CONCURRENCY),
    FunctionSpec("linkage-query-receive", "linkage.query.receive",
                 "情報照会: decrypt with the city's key, validate, store with expiry, record",
                 tables={**_LINK}, reserved_concurrency=_EXCHANGE_CONCURRENCY),
    FunctionSpec("linkage-retention-purge", "linkage.retention.handler",
                 "Retention of every class (kokuho/data/retention): report, then purge — 情報提供等記録 "
                 "after 7 years, exchange files and notices after 2, benefits, 返還金, premiums, past "
                 "insured persons, access records, expired query results",
                 # access_log "purge": each class's deletion recorded (class and count), retention cuts put,
                 # records below a signed floor deleted (DeleteItem, never UpdateItem); requests: the legal
                 # holds in force (kokuho.records.legal_holds); qualification, receipts, collection: the
                 # table classes deleted (assessment: a ledger's year of versions and case with it; health, and
                 # the 符号 in linkage: a past person's items under their key; federation: the carried-over
                 # months and 資格継続 periods);
                 # exchange: processed/, outgoing/, rejected/ files deleted; work: notices/ only; audit: the
                 # signed digests read (the floors), verified with the digest key
                 tables={"linkage": "write", "linkage_records": "write", "access_log": "purge",
                         "requests": "read", "qualification": "write", "receipts": "write", "collection": "write",
                         "assessment": "write", "health": "write", "federation": "write"},
                 buckets={"exchange": "write", "work": "write", "audit": "read"},
                 bucket_prefixes={"work": "notices/", "audit": "access-digests/"},
                 signing_keys={"access_digest": "verify"},
                 invokes=(VAULT_FUNCTION,),  # a past person's My Number goes with them: the vault alone holds it
                 timeout_seconds=900, reserved_concurrency=1),  # one purge at a time
    FunctionSpec("linkage-setup", "linkage.setup.handler",
                 "情報連携 setup: the city's key pair (private part under KMS), the network's signing key",
                 tables={"linkage": "write"}),
    FunctionSpec("linkage-federation-list", "linkage.federation.list_incoming",
                 "国保連合会: list incoming files", buckets={"exchange": "read"}),
    FunctionSpec("linkage-federation-intake", "linkage.federation.intake",
                 "国保連合会: validate one file whole, apply idempotently or reject with a reason",
                 # access_log: applying a file's records leaves their access records (both found
                 # missing by the embedded AWS's grant check: on AWS the role refused them)
                 tables={"federation": "write", "access_log": "write"}, buckets={"exchange": "write"},
                 timeout_seconds=900,
                 memory_mb=1024),
    FunctionSpec("linkage-federation-export", "linkage.federation.export",
                 "国保連合会: write the outgoing 資格継続 / 高額該当引継ぎ file",
                 # access_log: reading the persons it exports leaves their access records; receipts: the
                 # households' 高額療養費 months (the 高額該当 file's count, with the 転出先 from qualification);
                 # federation: the months an earlier move into the city carried over (the count goes on)
                 tables={"qualification": "read", "receipts": "read", "federation": "read", "access_log": "write"},
                 buckets={"exchange": "write"},
                 timeout_seconds=900,
                 memory_mb=1024),
)

STATE_MACHINES: tuple[StateMachineSpec, ...] = (
    StateMachineSpec(
        "linkage-provision", "linkage_provision.asl.json",
        "情報提供: permitted-list and permit check, approval of 自動応答不可 items, encrypted reply, record",
        substitutions={
            "ProvisionCheckFunction": ("function", "linkage-provision-check"),
            "ProvisionParkFunction": ("function", "linkage-provision-park"),
            "ProvisionProvideFunction": ("function", "linkage-provision-provide"),
            "ProvisionSendFunction": ("function", "linkage-provision-send"),
            "ProvisionRefuseFunction": ("function", "linkage-provision-refuse"),
        },
        # The parked request is answered by the private API alone (qualification-api-approval: answers_task_tokens_of),
        # where the member of staff is their login session; a direct invocation proves no one.
    ),
    StateMachineSpec(
        "linkage-query", "linkage_query.asl.json",
        "情報照会 for items 48, 69, 70: permit, send, decrypt, store with expiry, record",
        substitutions={
            "QueryPrepareFunction": ("function", "linkage-query-prepare"),
            "QuerySendFunction": ("function", "linkage-query-send"),
            "QueryReceiveFunction": ("function", "linkage-query-receive"),
        },
    ),
    StateMachineSpec(
        "linkage-retention", "linkage_retention.asl.json",
        "Retention of every class (kokuho/data/retention): report by class and count, then purge unless "
        "a dry run",
        substitutions={"RetentionPurgeFunction": ("function", "linkage-retention-purge")},
        schedules=(Schedule("cron(30 3 * * ? *)", {}, "daily 03:30 Asia/Tokyo"),),
    ),
    StateMachineSpec(
        "linkage-federation-intake", "linkage_federation_intake.asl.json",
        "国保連合会 intake: validate whole, apply idempotently or reject to rejected/",
        substitutions={"FederationListFunction": ("function", "linkage-federation-list"),
                       "FederationIntakeFunction": ("function", "linkage-federation-intake")},
        schedules=(Schedule("cron(0 7 * * ? *)", {}, "daily federation intake, 07:00 Asia/Tokyo"),),
    ),
    StateMachineSpec(
        "linkage-federation-exchange", "linkage_federation_exchange.asl.json",
        "国保連合会 outgoing files: 資格継続 daily, 高額該当の引き継ぎ monthly",
        substitutions={"FederationExportFunction": ("function", "linkage-federation-export")},
        schedules=(Schedule("cron(0 6 * * ? *)", {"kind": "QUALCONT"}, "daily 資格継続 file, 06:00 Asia/Tokyo"),
                   Schedule("cron(0 6 1 * ? *)", {"kind": "KOGAKU"},
                            "monthly 高額該当引継ぎ file, 1st 06:00 Asia/Tokyo")),
    ),
)
