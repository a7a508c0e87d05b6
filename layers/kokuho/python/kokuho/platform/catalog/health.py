"""Catalog entries of the health programmes (保健事業, issue 13 items 7–8): the print run of the 医療費通知, the year's
特定健診受診券 run and the attendance-file intake."""

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
    FunctionSpec(
        "health-checkup-vouchers", "health.vouchers.issue_year",
        "特定健診受診券: on the year's day of issue, a voucher for every person insured that day and 40–74 in the "
        "fiscal year who holds none, printed into the work bucket with the manifest; then the year's 受診率",
        # qualification read: every person's birth date, periods and address (the ward of the 受診率)
        # work write (notices/ only): the day's vouchers printed with the manifest
        tables={"qualification": "read", "health": "write", "access_log": "write"},
        buckets={"work": "write"}, bucket_prefixes={"work": "notices/"},
        timeout_seconds=900, memory_mb=1769, reserved_concurrency=1,
    ),
    FunctionSpec(
        "health-attendance-intake", "health.vouchers.take_attendance",
        "特定健診の受診データ: every attendance file delivered under health/incoming/ validated whole and applied once "
        "(vouchers marked used), or refused naming line and field; then the year's 受診率",
        # exchange write: the file moves out of health/incoming/ to processed/ or rejected/ (with its reasons)
        tables={"health": "write", "qualification": "read", "access_log": "write"}, buckets={"exchange": "write"},
        timeout_seconds=900, memory_mb=1024, reserved_concurrency=1,
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
    StateMachineSpec(
        "health-checkup-vouchers", "health_checkup_vouchers.asl.json",
        "特定健診受診券: the year's run on its day of issue (data), idempotent",
        substitutions={"VoucherFunction": ("function", "health-checkup-vouchers")},
        # the day of issue is data (kokuho/data/health/checkup_vouchers.json): looked for daily
        schedules=(Schedule("cron(0 8 * * ? *)", {}, "受診券 on the year's day of issue, 08:00 Asia/Tokyo"),),
    ),
    StateMachineSpec(
        "health-attendance-intake", "health_attendance_intake.asl.json",
        "特定健診の受診データ: every delivered attendance file applied whole or refused whole",
        substitutions={"AttendanceFunction": ("function", "health-attendance-intake")},
        # the federation's files come on days of its own choosing: looked for every morning
        schedules=(Schedule("cron(45 7 * * ? *)", {}, "daily attendance-file intake, 07:45 Asia/Tokyo"),),
    ),
)
