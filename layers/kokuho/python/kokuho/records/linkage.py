"""pynamodb models of the linkage area: tables "linkage", "linkage_records", "transfers", "federation".

Item layout (generic keys pk/sk, gsi1pk/gsi1sk; see kokuho.platform.tables):

table linkage
  PERSON#<person>  CODE            符号 (network code) of the person; gsi1 CODE#<code> / PERSON
  PERSON#<person>  COPY            副本: the provision copy of the person's NHI fields (JSON)
  PERSON#<person>  QRESULT#<req>   a query reply, decrypted; `expires_at` TTL; gsi1 QRESULT / expiry
  PERMIT#<id>      USED            a consumed 情報提供許可証 (one use only)
  REQ#<request>    REQUEST         an inbound request's state, approval token; gsi1 PENDING / time
  REQ#<request>    REPLY           outbox: the encrypted reply, committed with its 情報提供等記録; sent from here
  KEY#CITY         CURRENT         the city's X25519 key: private part KMS-encrypted, public part
  KEY#NETWORK      CURRENT         the network's permit-signing public key (trust anchor)
table linkage_records (情報提供等記録, 7 years)
  REC#<record>     RECORD          gsi1 MONTH#<yyyy-mm> / <recorded_at>#<record>
table transfers
  APP#<id>         APPLICATION     データ利用申請 (data-use application); gsi1 APPS#<department>#<kind> / id
  XFER#<id>        RECORD          a transfer or a refused transfer; gsi1 DEPT#<department> / time
table federation
  FILE#<file id>   APPLIED         an applied incoming file (content hash, counts)
  FILE#<file id>   ACCESS#<n>      chunk n of the file's intake access record is written (rerun-safe)
  PERSON#<person>  CONT#<acquired> qualification continuity (資格継続) from the federation
  PERSON#<person>  KOGAKU#<month>  high-cost months carried over (高額該当の引き継ぎ), under the householder
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from kokuho.records.base import Gsi1, TableModel, table_meta

# --- table linkage -----------------------------------------------------------------------------


class CodeModel(TableModel):
    """符号 (情報提供用個人識別符号) of a person: issued by the network, never derived from My Number."""

    Meta = table_meta("linkage")
    person_id = UnicodeAttribute()
    code = UnicodeAttribute()
    issued_at = UnicodeAttribute()
    issuer = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_code = Gsi1["CodeModel"]()


class CopyModel(TableModel):
    """副本 (provision copy) of a person's NHI fields, kept by the 情報提供データベース管理機能."""

    Meta = table_meta("linkage")
    person_id = UnicodeAttribute()
    data = UnicodeAttribute()  # JSON of the field vocabulary
    updated_at = UnicodeAttribute()


class QueryResultModel(TableModel):
    """A decrypted query reply (items 48/69/70), deleted after a set period (III-6 リスク4 ③)."""

    Meta = table_meta("linkage")
    person_id = UnicodeAttribute()
    request_id = UnicodeAttribute()
    item = UnicodeAttribute()
    provider_body = UnicodeAttribute()
    data = UnicodeAttribute()
    received_at = UnicodeAttribute()
    expires_at = NumberAttribute()  # epoch seconds: DynamoDB TTL
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_expiry = Gsi1["QueryResultModel"]()


class PermitUseModel(TableModel):
    Meta = table_meta("linkage")
    request_id = UnicodeAttribute()
    used_at = UnicodeAttribute()
    expires_at = NumberAttribute()  # TTL: kept well beyond any permit's own expiry


class RequestModel(TableModel):
    """State of one inbound request (provision) from receipt to reply."""

    Meta = table_meta("linkage")
    request_id = UnicodeAttribute()
    status = UnicodeAttribute()  # received | awaiting_approval | approved | refused | provided
    item = UnicodeAttribute()
    requester_body = UnicodeAttribute()
    requester_kind = UnicodeAttribute()
    requester_public_key = UnicodeAttribute()
    permit_id = UnicodeAttribute()
    person_id = UnicodeAttribute(null=True)
    received_at = UnicodeAttribute()
    requested_at = UnicodeAttribute()
    task_token = UnicodeAttribute(null=True)
    preview = UnicodeAttribute(null=True)  # JSON of the fields to be sent, for the reviewer
    decided_by = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    decision_reason = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)  # set with the final 情報提供等記録 (provided or refused), once
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()  # TTL: the request's working state (the record stays in linkage_records)
    pending = Gsi1["RequestModel"]()


class ReplyOutboxModel(TableModel):
    """A provision reply waiting to be sent (or sent): written in the same transaction as its 情報提供等記録,
    so every reply that leaves has its record and every record has its reply. The envelope is encrypted to
    the requester (the city cannot open it); a resend sends these same bytes."""

    Meta = table_meta("linkage")
    request_id = UnicodeAttribute()
    requester_body = UnicodeAttribute()
    record_id = UnicodeAttribute()
    reply = UnicodeAttribute()  # JSON of the reply as sent: request_id, status, item, provided_at, envelope
    created_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()  # TTL, as the request's state


class KeyModel(TableModel):
    Meta = table_meta("linkage")
    public_key = UnicodeAttribute()
    private_key_ct = UnicodeAttribute(null=True)  # KMS ciphertext (base64url) of the raw private key
    kms_key = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


# --- table linkage_records ----------------------------------------------------------------------


class ExchangeRecordModel(TableModel):
    """情報提供等記録 (番号法第23条): both bodies, request and provision time, items, what was withheld."""

    Meta = table_meta("linkage_records")
    record_id = UnicodeAttribute()
    direction = UnicodeAttribute()  # provision (we answered) | query (we asked)
    requester_body = UnicodeAttribute()
    provider_body = UnicodeAttribute()
    item = UnicodeAttribute()
    person_id = UnicodeAttribute(null=True)  # internal id (never My Number); None when unknown
    request_id = UnicodeAttribute()
    permit_id = UnicodeAttribute(null=True)
    requested_at = UnicodeAttribute()
    provided_at = UnicodeAttribute(null=True)  # None: nothing was provided
    outcome = UnicodeAttribute()  # provided | refused | received | failed
    reason = UnicodeAttribute(null=True)
    fields_sent = UnicodeAttribute()  # JSON list
    fields_withheld = UnicodeAttribute()  # JSON list
    approved_by = UnicodeAttribute(null=True)
    recorded_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_month = Gsi1["ExchangeRecordModel"]()


# --- table transfers ----------------------------------------------------------------------------


class ApplicationModel(TableModel):
    """データ利用申請 (data-use application) for an in-city transfer."""

    Meta = table_meta("transfers")
    application_id = UnicodeAttribute()
    department = UnicodeAttribute()
    information_kind = UnicodeAttribute()
    applicant = UnicodeAttribute()
    purpose = UnicodeAttribute()
    legal_basis = UnicodeAttribute()
    approver = UnicodeAttribute(null=True)
    approved_at = UnicodeAttribute(null=True)
    valid_from = UnicodeAttribute()
    valid_until = UnicodeAttribute()
    status = UnicodeAttribute()  # applied | approved | rejected | revoked
    # set on submission: a batch transfer finds the department's applications for its kind
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_kind = Gsi1["ApplicationModel"]()


class TransferRecordModel(TableModel):
    Meta = table_meta("transfers")
    transfer_id = UnicodeAttribute()
    department = UnicodeAttribute()
    information_kind = UnicodeAttribute()
    subject_count = NumberAttribute()
    application_id = UnicodeAttribute(null=True)
    actor = UnicodeAttribute()
    terminal = UnicodeAttribute()
    outcome = UnicodeAttribute()  # transferred | refused
    reason = UnicodeAttribute(null=True)
    at = UnicodeAttribute()
    # what the transfer belongs to, e.g. "monthly-assessment:<run id>" (batch transfers)
    reference = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_department = Gsi1["TransferRecordModel"]()


# --- table federation ---------------------------------------------------------------------------


class AppliedFileModel(TableModel):
    Meta = table_meta("federation")
    file_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    content_hash = UnicodeAttribute()
    record_count = NumberAttribute()
    applied_at = UnicodeAttribute()
    source_key = UnicodeAttribute()


class ContinuityModel(TableModel):
    """資格継続: a person's NHI period as the federation knows it (prefecture-wide)."""

    Meta = table_meta("federation")
    person_id = UnicodeAttribute()
    prefecture_insured_id = UnicodeAttribute()
    insurer_number = UnicodeAttribute()
    acquired_on = UnicodeAttribute()
    lost_on = UnicodeAttribute(null=True)
    change = UnicodeAttribute()
    file_id = UnicodeAttribute()


class CarryOverModel(TableModel):
    """高額該当の引き継ぎ: a month with a high-cost benefit at the previous municipality."""

    Meta = table_meta("federation")
    household_id = UnicodeAttribute()
    householder_id = UnicodeAttribute()
    month = UnicodeAttribute()
    from_municipality = UnicodeAttribute()
    to_municipality = UnicodeAttribute()
    moved_on = UnicodeAttribute()
    file_id = UnicodeAttribute()
