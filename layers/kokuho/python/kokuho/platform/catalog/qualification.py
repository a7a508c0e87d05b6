"""Catalog entries of the qualification area (owned by that area)."""

from __future__ import annotations

from kokuho.platform.catalog.model import FunctionSpec, StateMachineSpec

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        logical="qualification-api",
        handler="qualification.api.handler",
        description="資格管理 private API: search/read persons and households, register 取得・喪失・異動, "
                    "資格確認書, 窓口試算, My Number vault routes, 権限設定状況の一覧表, "
                    "自動応答不可 approval queue and decisions",
        # qualification: the file; mynumber: the vault; staff: grants (read); access_log: records;
        # assessment: the household projection (賦課用世帯情報) written in the same transaction;
        # linkage: the held provision requests (read as the queue, decided here). Not linkage_records:
        # the 情報提供等記録 is written by the provision workflow after the decision, never by the API.
        # staff_sessions: the login broker's sessions (the terminal of an IAM call, read only);
        # api_usage: the per-staff volume counters (atomic conditional updates).
        tables={"qualification": "write", "mynumber": "write", "staff": "read", "access_log": "write",
                "assessment": "write", "linkage": "write", "staff_sessions": "read", "api_usage": "write"},
        answers_task_tokens_of=("linkage-provision",),  # the 自動応答不可 approval (SendTaskSuccess/Failure)
        timeout_seconds=29,  # API Gateway's integration limit
        memory_mb=1024,
        # The counter's own share: the stage admits bursts of 100 calls of a few tens of ms each.
        reserved_concurrency=50,
        api=True,
    ),
)
STATE_MACHINES: tuple[StateMachineSpec, ...] = ()
