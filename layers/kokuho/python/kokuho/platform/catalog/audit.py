"""Catalog entries of the audit area: the hourly anchoring of the access history (issue 9 items 10-11)."""

from __future__ import annotations

from kokuho.platform.catalog.model import FunctionSpec, Schedule, StateMachineSpec

ANCHOR = "audit-anchor"  # the state machine whose failure is the security alarm (Audit stack)
EXPORT = "access-export"  # daily: the access records' export for Athena (issue 11 item 5)

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "audit-verify", "audit.anchor.verify",
        "kokuho audit verify on a schedule: access records against their hash chains and the signed digests",
        tables={"access_log": "read"}, buckets={"audit": "read"}, signing_keys={"access_digest": "verify"},
        timeout_seconds=900, memory_mb=2048, reserved_concurrency=1,  # one hourly run; a full scan each
    ),
    FunctionSpec(
        "audit-digest", "audit.anchor.digest",
        "Signs the next digest of every access-record chain's head into the Object-Locked audit bucket",
        tables={"access_log": "read"}, buckets={"audit": "write"}, signing_keys={"access_digest": "sign"},
        timeout_seconds=900, memory_mb=2048,
        reserved_concurrency=1,  # one digest at a time: two would race for the same number
    ),
    FunctionSpec(
        "audit-export", "audit.export.handler",
        "Exports one day's access records as JSON Lines to the audit bucket for Athena (kokuho.access.export)",
        tables={"access_log": "write"}, buckets={"audit": "write"},
        bucket_prefixes={"audit": "access-records/"},  # its own prefix: never the signed digests
        timeout_seconds=900, memory_mb=2048, reserved_concurrency=1,  # one daily run; a full scan
    ),
)

STATE_MACHINES: tuple[StateMachineSpec, ...] = (
    StateMachineSpec(
        ANCHOR, "audit_anchor.asl.json",
        "Access history: verify against the signed digests, then sign the next digest; a break fails the run",
        substitutions={"AuditVerifyFunction": ("function", "audit-verify"),
                       "AuditDigestFunction": ("function", "audit-digest")},
        schedules=(Schedule("cron(5 * * * ? *)", {}, "hourly at :05 Asia/Tokyo"),),
    ),
    StateMachineSpec(
        EXPORT, "access_export.asl.json",
        "Access records: yesterday's (UTC day) exported as JSON Lines to the audit bucket, for Athena",
        substitutions={"AuditExportFunction": ("function", "audit-export")},
        schedules=(Schedule("cron(30 9 * * ? *)", {}, "daily at 09:30 Asia/Tokyo (00:30 UTC): the UTC day before"),),
    ),
)
