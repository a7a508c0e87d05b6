"""Catalog entries of the health programmes (保健事業, issue 13 items 7–8): the print run of the 医療費通知."""

from __future__ import annotations

from kokuho.platform.catalog.model import FunctionSpec, Schedule, StateMachineSpec

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "health-medical-cost-notices", "health.medical_cost_notices.handler",
        "医療費通知: a round's notices (per person: months, providers, total cost and copay from the stored receipts) "
        "rendered in parts into the work bucket (notices/<print id>/) with the print manifest",
        # receipts read: the person-months of the round; health read: the opt-outs; qualification read: the
        # name and 送付先; requests read: the 利用停止 marks (the use stops for a suspended person)
        tables={"receipts": "read", "health": "read", "qualification": "read", "requests": "read",
                "access_log": "write"},
        buckets={"work": "write"}, bucket_prefixes={"work": "notices/"},
        timeout_seconds=900, memory_mb=1769, reserved_concurrency=1,  # one print run at a time
    ),
)
STATE_MACHINES: tuple[StateMachineSpec, ...] = (
    StateMachineSpec(
        "health-medical-cost-notices", "health_medical_cost_notices.asl.json",
        "医療費通知: the print run of the round issued today (the days are data), with the print manifest",
        substitutions={"MedicalCostNoticeFunction": ("function", "health-medical-cost-notices")},
        # the rounds' days of issue are data (kokuho/data/health/medical_cost_notices.json): looked for daily
        schedules=(Schedule("cron(0 9 * * ? *)", {}, "医療費通知 on a round's day of issue, 09:00 Asia/Tokyo"),),
    ),
)
