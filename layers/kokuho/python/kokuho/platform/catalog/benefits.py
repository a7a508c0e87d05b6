"""Catalog entries of the benefits area (給付): the receipt-file intake and its daily run, the monthly benefit run, the
payment run (支給・返還, its transfer file and notices)."""

from __future__ import annotations

from kokuho.platform.catalog.model import FunctionSpec, Schedule, StateMachineSpec

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "benefits-receipt-intake", "benefits.receipt_intake.handler",
        "給付: validate one receipt file of the 国保連合会 whole and store it per person-month, a month outside the "
        "person's insured periods held for review, or refuse it naming line and field",
        # qualification read: the persons' insured periods; exchange write: the file moves out of
        # receipts/incoming/ to processed/ or rejected/ (with its reasons)
        tables={"receipts": "write", "qualification": "read", "access_log": "write"}, buckets={"exchange": "write"},
        timeout_seconds=900, memory_mb=1024, reserved_concurrency=2,
    ),
    FunctionSpec(
        "benefits-receipt-list", "benefits.receipt_intake.list_files",
        "給付: list the receipt files delivered under receipts/incoming/ of the exchange bucket",
        buckets={"exchange": "read"},
    ),
    FunctionSpec(
        "benefits-run-prepare", "benefits.benefit_run.prepare",
        "給付: the monthly benefit run's households (a receipt in the 24 months before the run month), in batches",
        # qualification read: each person's household (the read recorded)
        tables={"receipts": "write", "qualification": "read", "access_log": "write"}, timeout_seconds=300,
        memory_mb=1024,
        reserved_concurrency=2,
    ),
    FunctionSpec(
        "benefits-run-batch", "benefits.benefit_run.batch",
        "給付: decide one batch of household-months' 高額療養費 (brackets from the stored incomes, 多数回, the yearly "
        "outpatient cap) and write each changed month's new version with its access record",
        # qualification read: households, members, incomes; federation read: the 高額該当 months carried over
        tables={"receipts": "write", "qualification": "read", "federation": "read", "access_log": "write"},
        timeout_seconds=300, memory_mb=1024, reserved_concurrency=4,
    ),
    FunctionSpec(
        "benefits-run-summarize", "benefits.benefit_run.summarize",
        "給付: the monthly benefit run's figures from its batches' stored outcomes",
        tables={"receipts": "write"}, timeout_seconds=300, reserved_concurrency=2,
    ),
    FunctionSpec(
        "benefits-payment-pay", "benefits.payment_run.pay",
        "給付: each household's 高額療養費 payments of the day (application or 申請省略, the 公金受取口座, offsets "
        "against unpaid premiums with consent, never under a 差止), 返還金 claims and 支給申請勧奨 marks",
        # qualification read: members, insured periods (a retroactive loss), householder; linkage read: the
        # 公金受取口座 the query workflow stored; collection write: an offset pays the premium ledger (with consent);
        # assessment read: the payer's ledgers are those of the years of their households' cases
        tables={"receipts": "write", "qualification": "read", "linkage": "read", "collection": "write",
                "assessment": "read", "access_log": "write"},
        timeout_seconds=900, memory_mb=1024, reserved_concurrency=1,  # one run at a time
    ),
    FunctionSpec(
        "benefits-payment-file", "benefits.payment_run.transfer_file",
        "給付: every ready benefit payment into one 全銀協 総合振込 file in outgoing/benefits/ of the exchange "
        "bucket",
        # access_log: the payees whose accounts the file carries, recorded before it is put
        tables={"receipts": "write", "access_log": "write"}, buckets={"exchange": "write"}, timeout_seconds=300,
        reserved_concurrency=1,
    ),
    FunctionSpec(
        "benefits-payment-notices", "benefits.payment_run.notices",
        "給付: the day's 支給申請勧奨, 支給決定通知書 and 返還請求書 rendered into the work bucket "
        "(notices/BEN-<day>/) with the print manifest, each part's access record written before it",
        # qualification read: the householder's name and 送付先
        tables={"receipts": "read", "qualification": "read", "access_log": "write"},
        buckets={"work": "write"}, bucket_prefixes={"work": "notices/"},
        timeout_seconds=900, memory_mb=1769, reserved_concurrency=1,
    ),
)
STATE_MACHINES: tuple[StateMachineSpec, ...] = (
    StateMachineSpec(
        "benefits-receipt-intake", "benefits_receipt_intake.asl.json",
        "レセプトの取込: every delivered receipt file stored whole or refused whole",
        substitutions={"ReceiptListFunction": ("function", "benefits-receipt-list"),
                       "ReceiptIntakeFunction": ("function", "benefits-receipt-intake")},
        # the 国保連合会's monthly file comes on a business day of its own choosing: looked for every morning
        schedules=(Schedule("cron(30 7 * * ? *)", {}, "daily receipt-file intake, 07:30 Asia/Tokyo"),),
    ),
    StateMachineSpec(
        "benefits-monthly-run", "benefits_monthly_run.asl.json",
        "高額療養費の月次算定: every household-month of the 24 months before the run month decided, new versions only",
        substitutions={"PrepareFunction": ("function", "benefits-run-prepare"),
                       "BatchFunction": ("function", "benefits-run-batch"),
                       "SummarizeFunction": ("function", "benefits-run-summarize")},
        # the 国保連合会's receipt file comes in the first days of the month (taken daily at 07:30): the run
        # follows on the 20th, when it is in
        schedules=(Schedule("cron(0 3 20 * ? *)", {}, "monthly benefit run, the 20th 03:00 Asia/Tokyo"),),
    ),
    StateMachineSpec(
        "benefits-payment-run", "benefits_payment_run.asl.json",
        "高額療養費の支給と返還: payments, claims and 勧奨 of the day, the 総合振込 file, the notices",
        substitutions={"PayFunction": ("function", "benefits-payment-pay"),
                       "TransferFileFunction": ("function", "benefits-payment-file"),
                       "NoticeFunction": ("function", "benefits-payment-notices")},
        # bank days, after the refunds (05:00): applications recorded the day before are paid the next morning
        schedules=(Schedule("cron(30 5 ? * MON-FRI *)", {}, "高額療養費の支給 each weekday, 05:30 Asia/Tokyo"),),
    ),
)
