"""What the stacks deploy, against a reviewed inventory written out by hand (issue 10 item 6).

The stacks iterate the catalog (kokuho.platform.catalog / tables); tests that compare the templates with
that same catalog pass whatever the catalog says. The lists below are the reviewed expectation instead,
taken from what the privacy impact assessment requires (monthly and annual 賦課, the 情報提供ネットワーク
exchanges, the hourly anchoring of the access history, 7-year audit evidence, two-year retention of the
exchange files): a catalog change that adds a workflow, moves a schedule, shortens a retention or widens
who may use a table, bucket or key fails here until this list is reviewed and updated with it.

The API functions' tables and the My Number table and key are in test_infra_least_privilege; the
append-only access records and the signing key in test_infra_audit.
"""

from __future__ import annotations

import json
import re
from typing import Any

from infra_helpers import resources
from test_infra_least_privilege import _as_list, _role_statements, _tables_touched

BUCKET_SUFFIX = "-111111111111-ap-northeast-1"

# state machine → its schedules as (cron in Asia/Tokyo, input); [] = started by a person or another run.
SCHEDULES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    # 月次賦課 on the 1st at 02:00; 本算定 on 15 June once the income data is in
    "kokuho-monthly-assessment": [("cron(0 2 1 * ? *)", {"mode": "monthly"}),
                                  ("cron(0 2 15 6 ? *)", {"mode": "annual"})],
    # the access history anchored (digest signed) every hour
    "kokuho-audit-anchor": [("cron(5 * * * ? *)", {})],
    # the access records of the UTC day before exported for Athena, daily at 09:30 JST (00:30 UTC)
    "kokuho-access-export": [("cron(30 9 * * ? *)", {})],
    # 情報照会 / 情報提供: started per request, never on a timer
    "kokuho-linkage-query": [],
    "kokuho-linkage-provision": [],
    # 中間サーバー exchange: 資格継続 daily, 高額療養費 monthly; the returned files read daily
    "kokuho-linkage-federation-exchange": [("cron(0 6 * * ? *)", {"kind": "QUALCONT"}),
                                           ("cron(0 6 1 * ? *)", {"kind": "KOGAKU"})],
    "kokuho-linkage-federation-intake": [("cron(0 7 * * ? *)", {})],
    # 情報提供等記録 past their retention purged daily
    "kokuho-linkage-retention": [("cron(30 3 * * ? *)", {})],
    # the city's files (住民基本台帳の異動, 生活保護, 所得, 介護保険) taken daily (docs/city_intake_files.md)
    "kokuho-city-intake": [("cron(30 6 * * ? *)", {})],
    # 督促: every installment unpaid after its due date gets its reminder within 20 days; daily
    "kokuho-collection-reminders": [("cron(30 5 * * ? *)", {})],
    # the payment files delivered (口座振替 results, 収納データ, 特別徴収 results) taken in daily
    "kokuho-collection-payment-intake": [("cron(0 8 * * ? *)", {})],
    # 還付・充当 and the 総合振込 file, each weekday morning (bank days)
    "kokuho-collection-refunds": [("cron(0 5 ? * MON-FRI *)", {})],
    # 滞納整理: pledges checked daily, 催告 on the 15th, 不納欠損 at the end of the fiscal year; statistics after each
    "kokuho-collection-arrears": [("cron(0 6 * * ? *)", {"mode": "daily"}), ("cron(20 6 15 * ? *)", {"mode": "demand"}),
                                  ("cron(40 6 31 3 ? *)", {"mode": "write_off"})],
    # 納入通知書: the fiscal year's print run on 15 June, once the annual run (02:00) has set the charges; the
    # 決定通知書 of the annual run after it, the 変更通知書 of each month's 更正 (1st, 02:00) that morning
    "kokuho-collection-notices": [("cron(0 9 15 6 ? *)", {}), ("cron(0 11 15 6 ? *)", {"notices": "assessment"}),
                                  ("cron(0 9 1 * ? *)", {"notices": "assessment"})],
    # 特別徴収: the daily pension run and the 依頼 file, after the payment files (the insurer's results) at 08:00
    "kokuho-collection-pension": [("cron(0 9 * * ? *)", {})],
    # the 国保連合会's receipt file (レセプト) looked for every morning (docs/receipt_files.md)
    "kokuho-benefits-receipt-intake": [("cron(30 7 * * ? *)", {})],
    # 高額療養費: the monthly benefit run after the month's receipt file (docs/benefit_run.md)
    "kokuho-benefits-monthly-run": [("cron(0 3 20 * ? *)", {})],
    # 高額療養費の支給・返還 and their 総合振込 file, each weekday morning after the refunds (docs/benefit_payment.md)
    "kokuho-benefits-payment-run": [("cron(30 5 ? * MON-FRI *)", {})],
    # 医療費通知: started daily, prints on a round's day of issue (the days are data; docs/health_programmes.md)
    "kokuho-health-medical-cost-notices": [("cron(0 9 * * ? *)", {})],
    # 特定健診受診券: started daily, issues on the year's day of issue in April (data); the attendance files daily
    "kokuho-health-checkup-vouchers": [("cron(0 8 * * ? *)", {})],
    "kokuho-health-attendance-intake": [("cron(45 7 * * ? *)", {})],
}

# bucket → its object lock (mode, days) or None, and the prefixes that expire (days).
BUCKETS: dict[str, tuple[tuple[str, int] | None, dict[str, int]]] = {
    "kokuho-audit": (("COMPLIANCE", 2557), {}),  # 7 years, no one can shorten it or delete
    "kokuho-work": (None, {"map-results/": 35, "runs/": 35}),  # a month's run and its re-run
    # two years, deleted by the retention workflow alone (it keeps what a legal hold names): no expiry rule
    "kokuho-exchange": (None, {}),
    "kokuho-access-logs": (None, {}),  # S3 server access logs (kept; sole SSE-S3 bucket)
    "kokuho-athena-results": (None, {"results/": 30}),  # the security team's query results: a month
}

# Workflow (non-API) function → table → "read" | "write" | "append" (PutItem only) | "purge" (PutItem and
# DeleteItem: the retention run on the access log).
WORKFLOW_TABLES: dict[str, dict[str, str]] = {
    "kokuho-assessment-prepare": {"assessment": "write", "access_log": "append"},
    "kokuho-assessment-batch": {"assessment": "write", "collection": "write", "idempotency": "write",
                                "access_log": "append"},
    "kokuho-assessment-summarize": {"assessment": "write", "transfers": "write", "access_log": "append"},
    "kokuho-assessment-record-failure": {"assessment": "write"},
    "kokuho-assessment-case-intake": {"assessment": "write", "access_log": "append"},
    "kokuho-audit-digest": {"access_log": "read"},
    "kokuho-audit-export": {"access_log": "append"},  # reads the day's records, appends its own record
    "kokuho-audit-verify": {"access_log": "read"},
    # a payment by payer: the payer's households (qualification) and their cases' years (assessment)
    "kokuho-collection-payment-intake": {"collection": "write", "qualification": "read", "assessment": "read",
                                         "access_log": "append"},
    "kokuho-collection-payment-list": {},
    # 振込不能: the refunds (and the notices' marks) and the 高額療養費 payments returned, each recorded
    "kokuho-collection-transfer-returns": {"collection": "write", "receipts": "write", "access_log": "append"},
    # a ledger's charge is its latest assessment version's (kokuho.records.ledger_charges)
    "kokuho-collection-reminders": {"collection": "write", "assessment": "read", "access_log": "append"},
    "kokuho-collection-overpayments": {"collection": "write", "linkage": "read", "qualification": "read",
                                       "assessment": "read", "access_log": "append"},
    "kokuho-collection-refund-file": {"collection": "write", "access_log": "append"},  # payers recorded
    "kokuho-collection-arrears": {"collection": "write", "assessment": "read", "access_log": "append"},
    # the payers' addresses read for their ward (区) only
    "kokuho-collection-statistics": {"collection": "write", "qualification": "read", "assessment": "read",
                                     "access_log": "append"},
    # the ledgers read (the printed slips' 納付番号 stored), the payers' names and 送付先 read to address the
    # notices; each part's record appended; an assessment run's versions and the cases explained on its notices
    "kokuho-collection-notices": {"collection": "write", "qualification": "read", "assessment": "read",
                                  "access_log": "append"},
    # 特別徴収: the ledgers' deduction states written; the pensions and 介護保険料 (qualification) and the
    # households' projected cases (assessment) read
    "kokuho-collection-pension": {"collection": "write", "qualification": "read", "assessment": "read",
                                  "access_log": "append"},
    "kokuho-linkage-setup": {"linkage": "write"},
    # the person's 利用停止 marks: a suspended person is not queried about
    "kokuho-linkage-query-prepare": {"linkage": "write", "linkage_records": "write", "requests": "read",
                                     "access_log": "append"},
    "kokuho-linkage-query-send": {},
    "kokuho-linkage-query-receive": {"linkage": "write", "linkage_records": "write", "access_log": "append"},
    "kokuho-linkage-provision-check": {"linkage": "write", "linkage_records": "write", "access_log": "append"},
    "kokuho-linkage-provision-park": {"linkage": "write", "linkage_records": "write", "access_log": "append"},
    # the person's 利用停止 marks: a suspended person's data is not provided (refused, recorded)
    "kokuho-linkage-provision-provide": {"linkage": "write", "linkage_records": "write", "requests": "read",
                                         "access_log": "append"},
    "kokuho-linkage-provision-refuse": {"linkage": "write", "linkage_records": "write",
                                        "access_log": "append"},
    "kokuho-linkage-provision-send": {"linkage": "write"},
    # every retention class (kokuho/data/retention): each class's deletion recorded by class and count;
    # the legal holds in force read (requests); the table classes deleted (qualification, receipts, collection;
    # federation: the 国保連合会's carried-over 高額該当 months and 資格継続 periods);
    # the access log: retention cuts put, records below a floor a signed digest anchored deleted ("purge":
    # PutItem and DeleteItem, never UpdateItem)
    "kokuho-linkage-retention-purge": {"linkage": "write", "linkage_records": "write", "access_log": "purge",
                                       "requests": "read", "qualification": "write", "receipts": "write",
                                       "collection": "write", "assessment": "write", "health": "write",
                                       "federation": "write"},
    # its reads' trail; the households' 高額療養費 months read for the 高額該当 file (receipts)
    "kokuho-linkage-federation-export": {"qualification": "read", "receipts": "read", "federation": "read",
                                         "access_log": "append"},  # federation: the months carried in
    "kokuho-linkage-federation-intake": {"federation": "write", "access_log": "append"},  # its records' trail
    "kokuho-linkage-federation-list": {},
    # the city's files into the NHI file, with the household cases re-projected in the same transactions
    # health: a joiner's 特定健診受診券 issued on acquisition (the file's commit hook)
    "kokuho-city-intake": {"qualification": "write", "assessment": "write", "health": "write", "access_log": "append"},
    "kokuho-city-intake-list": {},
    # the receipt file per person-month; the persons' insured periods read
    "kokuho-benefits-receipt-intake": {"receipts": "write", "qualification": "read", "access_log": "append"},
    "kokuho-benefits-receipt-list": {},
    # the monthly benefit run: its runs and batches, each household-month's versions with their access records;
    # households, persons and incomes read, the federation's carried-over 高額該当 months read
    "kokuho-benefits-run-prepare": {"receipts": "write", "qualification": "read", "access_log": "append"},
    "kokuho-benefits-run-batch": {"receipts": "write", "qualification": "read", "federation": "read",
                                  "access_log": "append"},
    "kokuho-benefits-run-summarize": {"receipts": "write"},
    # the payment run: payments, claims, 勧奨 marks with their access records; members' insured periods and the
    # householder read; the 公金受取口座 the linkage query stored; an offset (with consent) pays the premium ledger
    "kokuho-benefits-payment-pay": {"receipts": "write", "qualification": "read", "linkage": "read",
                                    "collection": "write", "assessment": "read", "access_log": "append"},
    # ready payments marked filed; the payees whose accounts the file carries recorded
    "kokuho-benefits-payment-file": {"receipts": "write", "access_log": "append"},
    # the day's payments and claims read, the householder's name and 送付先; each part's record appended
    "kokuho-benefits-payment-notices": {"receipts": "read", "qualification": "read", "access_log": "append"},
    # 医療費通知: the round's receipts, the opt-outs, the names and 送付先, the 利用停止 marks read; each part's
    # record appended
    "kokuho-health-medical-cost-notices": {"receipts": "read", "health": "read", "qualification": "read",
                                           "requests": "read", "access_log": "append"},
    # 受診券: every person read (birth date, periods, address for the ward), the vouchers written with their records
    "kokuho-health-checkup-vouchers": {"qualification": "read", "health": "write", "access_log": "append"},
    # the attendance file marks vouchers used; the persons' addresses read for the 受診率's ward
    "kokuho-health-attendance-intake": {"health": "write", "qualification": "read", "access_log": "append"},
}

# bucket → role → "read" | "write". Roles other than functions are named stack/construct (CDK hash dropped).
# A workflow function reaches buckets and keys through its data-access role (<function>-data), as its run
# (issue 11 item 1); its own role holds none.
BUCKET_USERS: dict[str, dict[str, str]] = {
    "kokuho-audit": {"kokuho-audit-digest-data": "write", "kokuho-audit-verify-data": "read",
                     # the signed digests read (access-digests/ only): the access log's anchored floors
                     "kokuho-linkage-retention-purge-data": "read",
                     "kokuho-audit-export-data": "write",  # under access-records/ only (its own prefix)
                     "KokuhoAudit/AccessHistoryVerifier": "read",
                     "KokuhoAudit/SecurityAthenaSecurityAthenaUser": "read"},  # the trail and the export
    "kokuho-work": {"kokuho-assessment-prepare-data": "write",
                    "kokuho-collection-notices-data": "write",  # under notices/ only: the print runs
                    "kokuho-benefits-payment-notices-data": "write",  # under notices/ only: the benefit notices
                    "kokuho-health-medical-cost-notices-data": "write",  # under notices/ only: 医療費通知
                    "kokuho-health-checkup-vouchers-data": "write",  # under notices/ only: the 受診券
                    "kokuho-linkage-retention-purge-data": "write",  # under notices/ only: past retention
                    "KokuhoWorkflows/monthlyassessmentExecutionRole": "write"},  # the distributed map
    "kokuho-exchange": {"kokuho-assessment-case-intake-data": "read", "kokuho-linkage-federation-list-data": "read",
                        "kokuho-collection-payment-intake-data": "write",
                        "kokuho-collection-payment-list-data": "read",
                        "kokuho-collection-transfer-returns-data": "write",  # the 振込不能 notices moved out
                        "kokuho-collection-refund-file-data": "write",
                        "kokuho-collection-pension-data": "write",  # outgoing/pension/ and its records: OBJECT_PREFIXES
                        "kokuho-linkage-federation-export-data": "write",
                        "kokuho-linkage-federation-intake-data": "write",
                        "kokuho-city-intake-list-data": "read", "kokuho-city-intake-data": "write",
                        "kokuho-benefits-receipt-intake-data": "write", "kokuho-benefits-receipt-list-data": "read",
                        "kokuho-health-attendance-intake-data": "write",
                        "kokuho-benefits-payment-file-data": "write",  # outgoing/benefits/: the 総合振込 file
                        # deletes processed/, outgoing/, rejected/ files past retention (kokuho/data/retention)
                        "kokuho-linkage-retention-purge-data": "write"},
    "kokuho-access-logs": {},  # written by the S3 logging service only
    "kokuho-athena-results": {"KokuhoAudit/SecurityAthenaSecurityAthenaUser": "write"},  # its query results
}

# The audit key (access records, trail, audit evidence) → who may use it: "decrypt" or "encrypt" (+decrypt).
# Whoever appends access records encrypts with it; the verifiers only decrypt.
_APPENDS = [name for name, tables in WORKFLOW_TABLES.items() if tables.get("access_log") in ("append", "purge")]
_API = ["kokuho-qualification-api-" + c
        for c in ("read", "register", "vault", "approval", "review", "collection", "requests", "health", "benefits")]
AUDIT_KEY_USERS: dict[str, str] = {
    **{name: "encrypt" for name in _API},
    # the data-access roles append the access records, as the member of staff (api) or the run (workflows)
    **{f"{name}-data": "encrypt" for name in _APPENDS + _API},
    "kokuho-audit-digest-data": "encrypt",  # writes the signed digests to the audit bucket
    "kokuho-audit-verify-data": "decrypt",
    "KokuhoAudit/AccessHistoryVerifier": "decrypt",  # the security team's read-only policy
    "KokuhoAudit/SecurityAthenaSecurityAthenaUser": "encrypt",  # reads the trail, writes encrypted results
    "KokuhoNetwork/CustomVpcRestrictDefaultSGCustomResourceProviderRole": "encrypt",  # its dead-letter queue
}


def _owner(owner: Any) -> str:
    return re.sub(r"[0-9A-F]{8}$", "", str(owner))


def _statements_by_owner(raw: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for owner, statements in _role_statements(raw).items():
        out.setdefault(_owner(owner), []).extend(st for st in statements if st.get("Effect") == "Allow")
    return out


def test_state_machines_and_their_schedules_are_the_reviewed_ones(raw: dict[str, dict[str, Any]]) -> None:
    wf = raw["KokuhoWorkflows"]
    name_of = {lid: m["Properties"]["StateMachineName"]
               for lid, m in resources(wf, "AWS::StepFunctions::StateMachine").items()}
    deployed: dict[str, list[tuple[str, dict[str, Any]]]] = {name: [] for name in name_of.values()}
    for s in resources(wf, "AWS::Scheduler::Schedule").values():
        props = s["Properties"]
        assert props["State"] == "ENABLED" and props["ScheduleExpressionTimezone"] == "Asia/Tokyo"
        target = name_of[props["Target"]["Arn"]["Ref"]]
        deployed[target].append((props["ScheduleExpression"], json.loads(props["Target"].get("Input", "{}"))))
    assert {k: sorted(v, key=str) for k, v in deployed.items()} == {
        k: sorted(v, key=str) for k, v in SCHEDULES.items()}


def test_buckets_their_lock_and_their_retention_are_the_reviewed_ones(raw: dict[str, dict[str, Any]]) -> None:
    deployed = {}
    for b in [b for stack in ("KokuhoData", "KokuhoAudit") for b in resources(raw[stack], "AWS::S3::Bucket").values()]:
        props = b["Properties"]
        lock = props.get("ObjectLockConfiguration")
        if lock:
            assert props["ObjectLockEnabled"] is True and lock["ObjectLockEnabled"] == "Enabled"
            retention = lock["Rule"]["DefaultRetention"]
            lock = (retention["Mode"], retention["Days"])
        expiring = {r["Prefix"]: r["ExpirationInDays"]
                    for r in props.get("LifecycleConfiguration", {}).get("Rules", [])
                    if r["Status"] == "Enabled" and "ExpirationInDays" in r}
        # An expiration without a prefix would empty the whole bucket.
        assert None not in expiring and "" not in expiring, props["BucketName"]
        deployed[props["BucketName"].removesuffix(BUCKET_SUFFIX)] = (lock, expiring)
    assert deployed == BUCKETS


def test_workflow_functions_touch_exactly_the_reviewed_tables(raw: dict[str, dict[str, Any]]) -> None:
    by_owner = _statements_by_owner(raw)
    functions = {fn["Properties"]["FunctionName"] for template in raw.values()
                 for fn in resources(template, "AWS::Lambda::Function").values()
                 if "FunctionName" in fn["Properties"]}
    workflow = {name for name in functions if not name.startswith("kokuho-qualification-api")}
    assert workflow == set(WORKFLOW_TABLES)
    # through its data-access role only, as its run (issue 11 item 1: test_infra_workflow_data_roles)
    assert {name: _tables_touched(by_owner.get(f"{name}-data", [])) for name in workflow} == WORKFLOW_TABLES
    assert {name: _tables_touched(by_owner.get(name, [])) for name in workflow} == {name: {} for name in workflow}
    # And no other role (state machine, scheduler, custom resource) reaches a table.
    # (The api functions' data-access roles are reviewed with their functions: test_infra_data_role.)
    data_roles = {f"{name}-data" for name in functions}
    others = {owner: touched for owner, sts in by_owner.items() if owner not in functions | data_roles
              and (touched := _tables_touched(sts))}
    assert others == {"KokuhoAudit/AccessHistoryVerifier": {"access_log": "read"}}


def _bucket_access(statements: list[dict[str, Any]]) -> dict[str, str]:
    found: dict[str, set[str]] = {}
    for st in statements:
        actions = {a for a in _as_list(st["Action"]) if str(a).startswith("s3:")}
        if not actions:
            continue
        text = json.dumps(st.get("Resource"))
        assert '"*"' not in text and "s3:::*" not in text, st  # an object action on every bucket
        for bucket in set(re.findall(r"arn:aws:s3:::(kokuho-[a-z-]+?)" + BUCKET_SUFFIX, text)):
            found.setdefault(bucket, set()).update(actions)
    return {b: ("write" if any(a.startswith(("s3:Put", "s3:Delete")) or a == "s3:*" for a in acts) else "read")
            for b, acts in found.items()}


def test_each_bucket_is_used_by_exactly_the_reviewed_roles(raw: dict[str, dict[str, Any]]) -> None:
    deployed: dict[str, dict[str, str]] = {b: {} for b in BUCKETS}
    for owner, statements in _statements_by_owner(raw).items():
        for bucket, access in _bucket_access(statements).items():
            deployed.setdefault(bucket, {})[owner] = access
    assert deployed == BUCKET_USERS


# Roles whose object grant on a bucket is confined to some prefixes (reviewed): role → bucket → prefixes.
OBJECT_PREFIXES = {
    # the 依頼 files, and the records of whose data they hold under subjects/ (never beside the files: the
    # insurer's transfer sweeps outgoing/pension/, and a record there carried internal ids out of the city)
    "kokuho-collection-pension-data": {"kokuho-exchange": {"outgoing/pension/", "subjects/outgoing/pension/"}},
}


def test_confined_roles_reach_exactly_the_reviewed_prefixes(raw: dict[str, dict[str, Any]]) -> None:
    statements = _statements_by_owner(raw)
    for owner, buckets in OBJECT_PREFIXES.items():
        for bucket, prefixes in buckets.items():
            found = set()
            for st in statements[owner]:
                text = json.dumps(st.get("Resource"))
                found.update(re.findall(rf"arn:aws:s3:::{bucket}{BUCKET_SUFFIX}/([^*\"]*)\*", text))
            assert found == prefixes, (owner, bucket)


KEY_CRYPTO = {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
              "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:CreateGrant", "kms:*", "kms:GenerateDataKey*",
              "kms:ReEncrypt*"}


def test_the_audit_key_is_used_by_exactly_the_reviewed_roles(raw: dict[str, dict[str, Any]]) -> None:
    deployed = {}
    for owner, statements in _statements_by_owner(raw).items():
        uses: set[str] = set()
        for st in statements:
            if "KeyAudit" in json.dumps(st.get("Resource")):
                uses |= set(_as_list(st["Action"])) & KEY_CRYPTO
        if uses:
            deployed[owner] = "decrypt" if uses == {"kms:Decrypt"} else "encrypt"
    assert deployed == AUDIT_KEY_USERS
