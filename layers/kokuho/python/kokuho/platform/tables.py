"""The one definition of every DynamoDB table: the Keys & Data stack builds the tables from it and
the embedded AWS creates them from it, so local and deployed schemas cannot drift.

Tables use generic keys (`pk`/`sk`, `gsi1pk`/`gsi1sk`) so each area lays out its items freely
inside its own table; the data class names the KMS key the table is encrypted with.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum


class DataClass(StrEnum):
    """One customer-managed KMS key per data class (architecture.md, Keys & Data)."""

    MY_NUMBER = "mynumber"  # 個人番号 and its keyed hash
    PERSONAL = "personal"  # all other personal data
    AUDIT = "audit"  # access records, linkage records, trails


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str | None = None
    # ALL: every attribute (a write of any attribute rewrites the entry); KEYS_ONLY: the keys only — an
    # entry written only when its keys appear, change or go (the assessment's cases of a year)
    projection: str = "ALL"


@dataclass(frozen=True)
class TableSpec:
    logical: str
    data_class: DataClass
    purpose: str
    partition_key: str = "pk"
    sort_key: str | None = "sk"
    indexes: tuple[Index, ...] = field(default_factory=tuple)
    ttl_attribute: str | None = None
    # Append-only: a function with "write" on it gets PutItem (and reads) only — no UpdateItem,
    # DeleteItem or BatchWriteItem (which can delete) — and the code puts only new keys.
    append_only: bool = False

    @property
    def env_var(self) -> str:
        return f"KOKUHO_TABLE_{self.logical.upper()}"

    @property
    def default_name(self) -> str:
        return f"kokuho-{self.logical.replace('_', '-')}"

    def name(self) -> str:
        """Physical name: from the environment (set by CDK on each function), else the default."""
        return os.environ.get(self.env_var, self.default_name)

    def key_attributes(self) -> list[str]:
        names = [self.partition_key] + ([self.sort_key] if self.sort_key else [])
        for ix in self.indexes:
            names += [ix.partition_key] + ([ix.sort_key] if ix.sort_key else [])
        return list(dict.fromkeys(names))


GSI1 = Index("gsi1", "gsi1pk", "gsi1sk")
GSI2 = Index("gsi2", "gsi2pk", "gsi2sk")
# The assessment table's second index: the year's household cases, keys only (kokuho.records.household_cases:
# written when a case is created, untouched by the assessment's marks — gsi1 holds only the pending ones)
CASES_OF_YEAR = Index("gsi2", "gsi2pk", "gsi2sk", projection="KEYS_ONLY")

TABLES: tuple[TableSpec, ...] = (
    TableSpec("qualification", DataClass.PERSONAL,
              "宛名・世帯・被保険者・資格履歴・資格確認書 (NHI information file)", indexes=(GSI1,)),
    TableSpec("mynumber", DataClass.MY_NUMBER,
              "個人番号: envelope-encrypted number and its keyed hash (lookup only via gsi1)", indexes=(GSI1,)),
    TableSpec("assessment", DataClass.PERSONAL,
              "賦課: assessment versions, installments, notices, run summaries", indexes=(GSI1, CASES_OF_YEAR)),
    TableSpec("collection", DataClass.PERSONAL,
              "収納: ledgers (調定・収納) per household and fiscal year, payments, 納付番号, payment files, "
              "the unmatched queue, overpayments and refunds", indexes=(GSI1, GSI2)),
    TableSpec("receipts", DataClass.PERSONAL,
              "レセプト: the 国保連合会's receipt data per insured person and service month, receipts held for "
              "review, receipt files taken", indexes=(GSI1,)),
    TableSpec("health", DataClass.PERSONAL,
              "保健事業: 医療費通知 opt-outs, 特定健診受診券 (vouchers, their numbering and use), "
              "attendance files taken",
              indexes=(GSI1,)),
    TableSpec("staff", DataClass.PERSONAL, "職員・権限 (staff and per-function grants)", indexes=(GSI1,)),
    TableSpec("access_log", DataClass.AUDIT, "アクセス記録 (hash-chained access records, append-only)",
              indexes=(GSI1,), append_only=True),
    TableSpec("linkage", DataClass.PERSONAL,
              "情報連携: 符号, permits, approvals, query results (TTL-purged)", indexes=(GSI1,),
              ttl_attribute="expires_at"),
    TableSpec("linkage_records", DataClass.AUDIT, "情報提供等記録 (kept 7 years)", indexes=(GSI1,)),
    TableSpec("transfers", DataClass.AUDIT, "庁内移転: data-use applications and transfer records",
              indexes=(GSI1,)),
    TableSpec("federation", DataClass.PERSONAL, "国保連合会 file exchange: applied files and records",
              indexes=(GSI1,)),
    TableSpec("idempotency", DataClass.PERSONAL, "powertools idempotency records",
              partition_key="id", sort_key=None, ttl_attribute="expiration"),
    TableSpec("staff_sessions", DataClass.AUDIT,
              "ログインセッション: the login broker's staff-role sessions (access key → staff, terminal); TTL",
              ttl_attribute="expires_at"),
    TableSpec("requests", DataClass.PERSONAL,
              "開示・訂正・利用停止の請求と問い合わせ (the person's requests about their data, inquiries)",
              indexes=(GSI1,)),
    TableSpec("api_usage", DataClass.AUDIT,
              "API volume counters per staff, function and hour (kokuho.access.limits); TTL",
              ttl_attribute="expires_at"),
)

TABLES_BY_LOGICAL = {t.logical: t for t in TABLES}


def table(logical: str) -> TableSpec:
    return TABLES_BY_LOGICAL[logical]


@dataclass(frozen=True)
class BucketSpec:
    logical: str
    data_class: DataClass
    purpose: str
    # Append-only (with Object Lock): functions may put and read objects, never delete them, and only
    # under `function_prefix` when set.
    append_only: bool = False
    function_prefix: str | None = None
    object_lock_days: int | None = None  # compliance-mode default retention
    # key prefix → days after which an object there is deleted (S3 lifecycle): personal data is kept no
    # longer than its purpose and the retention rules (domain §5) need. Prefixes not named are kept.
    expire_after_days: dict[str, int] = field(default_factory=dict)

    @property
    def env_var(self) -> str:
        return f"KOKUHO_BUCKET_{self.logical.upper()}"

    def name(self) -> str:
        return os.environ.get(self.env_var, f"kokuho-{self.logical.replace('_', '-')}")


# A run's work list and Map results serve that run only (its summary and the assessment versions are in
# the assessment table): a month to look into a failed run, then gone.
RUN_FILES_DAYS = 35
# Exchanged files, once applied, sent or rejected, are kept as long as the rights they carry can still be
# claimed: 2 years (国保法 第110条) — deleted by the retention workflow alone (kokuho.retention), never by a
# lifecycle rule: a rule deletes whatever a legal hold keeps, the run keeps a file whose record of subjects
# names a held person (docs/retention.md "Legal hold"). Files in incoming/ are never deleted (not yet taken in).

BUCKETS: tuple[BucketSpec, ...] = (
    BucketSpec("work", DataClass.PERSONAL, "work lists for Distributed Map, run outputs, notices",
               expire_after_days={"runs/": RUN_FILES_DAYS, "map-results/": RUN_FILES_DAYS}),
    BucketSpec("exchange", DataClass.PERSONAL, "federation and intake files (incoming, outgoing, rejected)"),
)
# The audit bucket: CloudTrail's log files and the signed digests of the access-record chains, under
# Object Lock (compliance, 7 years incl. leap days). Not among BUCKETS: the trail logs data events of
# BUCKETS, and a trail logging reads and writes of its own destination would log itself forever.
AUDIT_BUCKET = BucketSpec(
    "audit", DataClass.AUDIT, "CloudTrail logs and the signed access-record digests (Object Lock)",
    append_only=True, function_prefix="access-digests/", object_lock_days=365 * 7 + 2)
BUCKETS_BY_LOGICAL = {b.logical: b for b in (*BUCKETS, AUDIT_BUCKET)}


@dataclass(frozen=True)
class SigningKeySpec:
    """An asymmetric KMS key that signs (one role may Sign; verifiers read the public key)."""

    logical: str
    key_spec: str  # KMS KeySpec
    algorithm: str  # KMS SigningAlgorithm
    purpose: str
    signer: str  # the one catalog function whose role may Sign (the key policy denies everyone else)

    @property
    def env_var(self) -> str:
        return f"KOKUHO_SIGNING_KEY_{self.logical.upper()}"

    @property
    def alias(self) -> str:
        return f"alias/kokuho-{self.logical.replace('_', '-')}"

    def key_id(self) -> str:
        """The key ARN from the environment (set by CDK on each function), else the alias."""
        return os.environ.get(self.env_var, self.alias)


SIGNING_KEYS: tuple[SigningKeySpec, ...] = (
    SigningKeySpec("access_digest", "ECC_NIST_P256", "ECDSA_SHA_256",
                   "signs the hourly digests of the access-record chains (kokuho.access.digest)",
                   signer="audit-digest"),
)
SIGNING_KEYS_BY_LOGICAL = {k.logical: k for k in SIGNING_KEYS}


def key_alias(data_class: DataClass) -> str:
    """KMS alias of a data class's customer-managed key (overridable per function by environment)."""
    return os.environ.get(f"KOKUHO_KEY_{data_class.name}", f"alias/kokuho-{data_class.value}")


AWS_REGION = "ap-northeast-1"  # domestic storage (seed III-7); DR in ap-northeast-3


def aws_region() -> str:
    """The region the code runs in (Lambda sets AWS_REGION: ap-northeast-3 for the DR copy); the primary
    region only where nothing says otherwise (tools run by hand)."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or AWS_REGION
