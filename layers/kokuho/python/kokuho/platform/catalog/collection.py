"""Catalog entries of the collection area (収納): payment-file intake, the daily 督促 run, the refund run, the
滞納整理 runs, the 収納率 statistics, the 特別徴収 run and the print run of the 納入通知書."""

from __future__ import annotations

from kokuho.platform.catalog.model import FunctionSpec, Schedule, StateMachineSpec

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "collection-payment-intake", "collection.payment_intake.handler",
        "収納: validate one payment file (口座振替 results, 収納データ, 特別徴収 results) whole, match it and "
        "apply it to the ledgers, or refuse it naming line and field",
        # exchange write: the file moves out of payments/incoming/ to processed/ or rejected/ (with its reasons);
        # qualification and assessment read: a payment by payer finds the payer's ledgers from the households
        # they head or headed and the years of those households' cases (kokuho.records.payer_ledgers); a
        # ledger's charge is its latest assessment version's (kokuho.records.ledger_charges)
        tables={"collection": "write", "qualification": "read", "assessment": "read", "access_log": "write"},
        buckets={"exchange": "write"},
        # a 100,000-line file is matched in well under a second and written in chunks of 90 items
        timeout_seconds=900, memory_mb=1024, reserved_concurrency=2,
    ),
    FunctionSpec(
        "collection-transfer-returns", "collection.transfer_returns.handler",
        "振込不能: the bank's notice of the refund or 高額療養費 transfers it could not make, matched to the transfer "
        "file and items it answers (the refund held again, the benefit payment returned) or refused naming line and "
        "field",
        # exchange write: the notice moves out of payments/incoming/transfer_returns/; collection write: the refunds
        # (and the notices' marks); receipts write: the 高額療養費 payments (kokuho.records.benefit_payments)
        tables={"collection": "write", "receipts": "write", "access_log": "write"},
        buckets={"exchange": "write"},
        timeout_seconds=300, reserved_concurrency=1,
    ),
    FunctionSpec(
        "collection-payment-list", "collection.payment_intake.list_files",
        "収納: list the payment files delivered under payments/incoming/<kind>/ of the exchange bucket",
        buckets={"exchange": "read"},
    ),
    FunctionSpec(
        "collection-reminders", "collection.reminders.handler",
        "督促: issue one 督促状 for every installment unpaid after its due date (daily; nothing twice)",
        # assessment read: a ledger's charge is its latest assessment version's (kokuho.records.ledger_charges)
        tables={"collection": "write", "assessment": "read", "access_log": "write"},
        timeout_seconds=900, memory_mb=1024, reserved_concurrency=1,  # one run at a time
    ),
    FunctionSpec(
        "collection-overpayments", "collection.overpayments.run",
        "還付・充当: each overpaid ledger's payer — 充当 oldest first, the rest refunded to the 公金受取口座 "
        "(a stored linkage query result) or held",
        # linkage read: the 公金受取口座 answers the query workflow stored (kokuho.linkage.query.results_of);
        # qualification and assessment read: the payer's ledgers (kokuho.records.payer_ledgers)
        tables={"collection": "write", "linkage": "read", "qualification": "read", "assessment": "read",
                "access_log": "write"},
        timeout_seconds=900, memory_mb=1024, reserved_concurrency=1,
    ),
    FunctionSpec(
        "collection-refund-file", "collection.overpayments.refund_file",
        "還付: every ready refund into one 全銀協 総合振込 file in outgoing/refunds/ of the exchange bucket",
        # access_log: the payers whose accounts the file carries, recorded before it is put
        tables={"collection": "write", "access_log": "write"}, buckets={"exchange": "write"},
        timeout_seconds=300, reserved_concurrency=1,
    ),
    FunctionSpec(
        "collection-arrears", "collection.arrears.run",
        "滞納整理: the daily check of 分納誓約 (a missed plan payment flagged), the month's 催告, the year-end "
        "不納欠損 of what the 2-year limit extinguished (nothing twice)",
        # assessment read: a ledger's charge is its latest assessment version's (kokuho.records.ledger_charges)
        tables={"collection": "write", "assessment": "read", "access_log": "write"},
        timeout_seconds=900, memory_mb=1024, reserved_concurrency=1,  # one run at a time
    ),
    FunctionSpec(
        "collection-statistics", "collection.arrears.statistics",
        "収納率: the fiscal year's figures (現年度分, 滞納繰越分; per ward and month; arrears aging) from every "
        "ledger, stored for the API",
        # qualification read: the payer's address, for the ward (区) only; assessment read: a ledger's charge is
        # its latest assessment version's (kokuho.records.ledger_charges)
        tables={"collection": "write", "qualification": "read", "assessment": "read", "access_log": "write"},
        timeout_seconds=900, memory_mb=1024, reserved_concurrency=1,
    ),
    FunctionSpec(
        "collection-pension", "collection.pension.handler",
        "特別徴収: who is deducted from the householder's pension (domain.md §6), the deduction written into the "
        "ledger (仮徴収, 本徴収, a stop moving the rest to 普通徴収), then the 特別徴収依頼 file to the insurer",
        # qualification read: the pensions the insurers notified and the 介護保険料; assessment read: the
        # household's projected case (members' births and NHI periods); exchange write: outgoing/pension/ and
        # the records of whose data its files hold (subjects/outgoing/pension/, kokuho.platform.exchange_subjects)
        tables={"collection": "write", "qualification": "read", "assessment": "read", "access_log": "write"},
        buckets={"exchange": "write"},
        bucket_prefixes={"exchange": ("outgoing/pension/", "subjects/outgoing/pension/")},
        timeout_seconds=900, memory_mb=1024, reserved_concurrency=1,  # one run at a time
    ),
    FunctionSpec(
        "collection-notices", "collection.notices.handler",
        "納入通知書 (every ledger of the fiscal year), 決定通知書 and 変更通知書 (an assessment run's versions): "
        "rendered in parts into the work bucket (notices/<print id>/) with the print manifest, each part's "
        "access record written before it",
        # qualification read: the payer's name and 送付先; collection write: the ledgers read (charge, payments)
        # and the 納付番号 of the slips it prints stored (the payment intake matches by them); assessment read:
        # an assessment run's versions and the household's case, which the engine explains on the notice
        tables={"collection": "write", "qualification": "read", "assessment": "read", "access_log": "write"},
        buckets={"work": "write"}, bucket_prefixes={"work": "notices/"},
        # ≈430 pages/s a core (benchmarks/notices.py): 1,769 MB is one full vCPU
        timeout_seconds=900, memory_mb=1769, reserved_concurrency=1,  # one print run at a time
    ),
)

STATE_MACHINES: tuple[StateMachineSpec, ...] = (
    StateMachineSpec(
        "collection-payment-intake", "collection_payment_intake.asl.json",
        "収納の取込: every delivered payment file (and the bank's 振込不能 notices) taken in whole or refused whole",
        substitutions={"PaymentListFunction": ("function", "collection-payment-list"),
                       "PaymentIntakeFunction": ("function", "collection-payment-intake"),
                       "TransferReturnFunction": ("function", "collection-transfer-returns")},
        # the banks' and agents' files of the previous business day are in by the morning
        schedules=(Schedule("cron(0 8 * * ? *)", {}, "daily payment-file intake, 08:00 Asia/Tokyo"),),
    ),
    StateMachineSpec(
        "collection-reminders", "collection_reminders.asl.json",
        "督促: the daily reminder run",
        substitutions={"ReminderFunction": ("function", "collection-reminders")},
        # within 20 days of every due date whatever the day (domain.md §6): daily, 05:30 Asia/Tokyo
        schedules=(Schedule("cron(30 5 * * ? *)", {}, "daily 督促 run, 05:30 Asia/Tokyo"),),
    ),
    StateMachineSpec(
        "collection-refunds", "collection_refunds.asl.json",
        "還付・充当: the overpayment run, then the 総合振込 refund file",
        substitutions={"OverpaymentFunction": ("function", "collection-overpayments"),
                       "RefundFileFunction": ("function", "collection-refund-file")},
        # bank days: the file goes to the city's bank on the morning of a weekday
        schedules=(Schedule("cron(0 5 ? * MON-FRI *)", {}, "還付・充当 each weekday, 05:00 Asia/Tokyo"),),
    ),
    StateMachineSpec(
        "collection-arrears", "collection_arrears.asl.json",
        "滞納整理: the run of the day's mode, then the 収納率 statistics",
        substitutions={"ArrearsFunction": ("function", "collection-arrears"),
                       "StatisticsFunction": ("function", "collection-statistics")},
        # after the 督促 run (05:30): pledges checked daily; 催告 mid-month; 不納欠損 on the last day of the year
        schedules=(Schedule("cron(0 6 * * ? *)", {"mode": "daily"}, "分納誓約 checked daily, 06:00 Asia/Tokyo"),
                   Schedule("cron(20 6 15 * ? *)", {"mode": "demand"}, "催告 on the 15th, 06:20 Asia/Tokyo"),
                   Schedule("cron(40 6 31 3 ? *)", {"mode": "write_off"},
                            "不納欠損 on 31 March, 06:40 Asia/Tokyo")),
    ),
    StateMachineSpec(
        "collection-pension", "collection_pension.asl.json",
        "特別徴収: the pension run, then the 特別徴収依頼 file",
        substitutions={"PensionFunction": ("function", "collection-pension")},
        # after the payment-file intake (08:00) that brings the insurer's results (徴収不能 stops the deduction)
        schedules=(Schedule("cron(0 9 * * ? *)", {}, "daily 特別徴収 run, 09:00 Asia/Tokyo"),),
    ),
    StateMachineSpec(
        "collection-notices", "collection_notices.asl.json",
        "納入通知書, 決定通知書, 変更通知書: the print runs, in parts, with the print manifest",
        substitutions={"NoticeFunction": ("function", "collection-notices")},
        # after the annual run (本算定, 15 June 02:00): the notices go out with the first installment's month;
        # the 決定通知書 of the annual run after them, the 変更通知書 of each month's 更正 (1st, 02:00) the same
        # morning (the fiscal year's last completed assessment run; a run printed already prints nothing)
        schedules=(Schedule("cron(0 9 15 6 ? *)", {}, "納入通知書 on 15 June, 09:00 Asia/Tokyo"),
                   Schedule("cron(0 11 15 6 ? *)", {"notices": "assessment"},
                            "決定通知書 of the 本算定 on 15 June, 11:00 Asia/Tokyo"),
                   Schedule("cron(0 9 1 * ? *)", {"notices": "assessment"},
                            "変更通知書 of the month's 更正 on the 1st, 09:00 Asia/Tokyo")),
    ),
)
