"""The pynamodb models of the access log (table "access_log"): the hash-chained access records and their
subject index entries. What they mean, how they are chained and indexed, and the writer that appends
them (joining the callers' transactions): kokuho.access.records and kokuho.access.subject_index.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute

from kokuho.records.base import Gsi1, TableModel, table_meta


class AccessRecordModel(TableModel):
    """One access record: pk CHAIN#<chain>, sk REC#<seq>; gsi1 STAFF#<staff> / time, for the security team."""

    Meta = table_meta("access_log")
    chain = UnicodeAttribute()
    seq = NumberAttribute()
    at = UnicodeAttribute()
    staff_id = UnicodeAttribute()
    terminal_id = UnicodeAttribute()
    terminal_source = UnicodeAttribute(null=True)
    purpose = UnicodeAttribute()
    subject_ids = ListAttribute(of=UnicodeAttribute)  # type: ignore[arg-type]
    category = UnicodeAttribute()
    operation = UnicodeAttribute()
    result = UnicodeAttribute()
    prev_hash = UnicodeAttribute()
    hash = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    # Written at creation, under the hash: this record's subjects have index entries (subject_index.py);
    # records older than the index have none and are not expected to.
    subject_index = UnicodeAttribute(null=True)
    # The ids of the request that caused the access (kokuho.platform.request_ids): the Lambda request id
    # (its AWS calls' CloudTrail userAgent carries it), the API Gateway request id, the workflow run.
    request_id = UnicodeAttribute(null=True)
    api_request_id = UnicodeAttribute(null=True)
    run_id = UnicodeAttribute(null=True)
    by_staff = Gsi1["AccessRecordModel"]()


class SubjectIndexModel(TableModel):
    """pk SUBJ#<subject>, sk <at>#<chain>#<seq>, row: what the security team reads of the record (JSON)."""

    Meta = table_meta("access_log")
    row = UnicodeAttribute()
