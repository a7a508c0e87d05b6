"""The pynamodb adapter of the exchanges port (kokuho.linkage.exchange_ports.ExchangeStore): the "linkage"
table (keys KEY#<name>, copies PERSON#<id> / COPY, requests REQ#<id> / REQUEST with gsi1 PENDING, the
outbox REQ#<id> / REPLY, consumed permits PERMIT#<id> / USED, query results PERSON#<id> / QRESULT#<req>
with gsi1 QRESULT / expiry) and "linkage_records" (REC#<id> / RECORD, gsi1 MONTH#<yyyy-mm>); layouts in
kokuho.records.linkage. Each method that writes several items is one TransactWrite."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError

from kokuho.access.actor import Actor
from kokuho.access.records import record_access
from kokuho.linkage.exchange_ports import (
    Decision,
    ExchangeRecord,
    QueryResult,
    Reply,
    RequestState,
    StoredKey,
)
from kokuho.records.base import transaction
from kokuho.records.linkage import (
    CopyModel,
    ExchangeRecordModel,
    KeyModel,
    PermitUseModel,
    QueryResultModel,
    ReplyOutboxModel,
    RequestModel,
)


def _conditional(exc: PutError | UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


def _req_key(request_id: str) -> tuple[str, str]:
    return f"REQ#{request_id}", "REQUEST"


def _to_state(m: RequestModel) -> RequestState:
    return RequestState(
        m.request_id, m.status, m.item, m.requester_body, m.requester_kind, m.requester_public_key, m.permit_id,
        m.person_id, m.received_at, m.requested_at, int(m.expires_at), task_token=m.task_token, preview=m.preview,
        decided_by=m.decided_by, decided_at=m.decided_at, decision_reason=m.decision_reason, closed_at=m.closed_at)


def _to_record(m: ExchangeRecordModel) -> ExchangeRecord:
    return ExchangeRecord(
        m.record_id, m.direction, m.requester_body, m.provider_body, m.item, m.person_id, m.request_id, m.permit_id,
        m.requested_at, m.provided_at, m.outcome, m.reason, m.fields_sent, m.fields_withheld, m.approved_by,
        m.recorded_at)


def _record_model(r: ExchangeRecord) -> ExchangeRecordModel:
    return ExchangeRecordModel(
        f"REC#{r.record_id}", "RECORD", record_id=r.record_id, direction=r.direction,
        requester_body=r.requester_body, provider_body=r.provider_body, item=r.item, person_id=r.person_id,
        request_id=r.request_id, permit_id=r.permit_id, requested_at=r.requested_at, provided_at=r.provided_at,
        outcome=r.outcome, reason=r.reason, fields_sent=r.fields_sent, fields_withheld=r.fields_withheld,
        approved_by=r.approved_by, recorded_at=r.recorded_at, gsi1pk=f"MONTH#{r.recorded_at[:7]}",
        gsi1sk=f"{r.recorded_at}#{r.record_id}")


def _to_reply(m: ReplyOutboxModel) -> Reply:
    return Reply(m.request_id, m.requester_body, m.record_id, m.reply, m.created_at, int(m.expires_at), m.sent_at)


def _to_result(m: QueryResultModel) -> QueryResult:
    return QueryResult(m.person_id, m.request_id, m.item, m.provider_body, m.data, m.received_at,
                       int(m.expires_at), m.gsi1sk)


class PynamoExchangeStore:
    # --- keys -----------------------------------------------------------------------------------

    def key(self, name: str) -> StoredKey | None:
        try:
            m = KeyModel.get(f"KEY#{name}", "CURRENT", consistent_read=True)
        except DoesNotExist:
            return None
        return StoredKey(m.public_key, m.created_at, m.private_key_ct, m.kms_key)

    def put_key(self, name: str, key: StoredKey, *, once: bool) -> bool:
        item = KeyModel(f"KEY#{name}", "CURRENT", public_key=key.public_key, private_key_ct=key.private_key_ct,
                        kms_key=key.kms_key, created_at=key.created_at)
        try:
            item.save(condition=KeyModel.pk.does_not_exist() if once else None)
        except PutError as exc:
            if once and _conditional(exc):
                return False
            raise
        return True

    # --- copies ---------------------------------------------------------------------------------

    def copy_of(self, person_id: str) -> str | None:
        try:
            return str(CopyModel.get(f"PERSON#{person_id}", "COPY", consistent_read=True).data)
        except DoesNotExist:
            return None

    def put_copy(self, person_id: str, data: str, updated_at: str) -> None:
        CopyModel(f"PERSON#{person_id}", "COPY", person_id=person_id, data=data, updated_at=updated_at).save()

    # --- requests -------------------------------------------------------------------------------

    def request(self, request_id: str) -> RequestState | None:
        try:
            return _to_state(RequestModel.get(*_req_key(request_id), consistent_read=True))
        except DoesNotExist:
            return None

    def accept(self, state: RequestState, permit_expires_at: int) -> bool:
        item = RequestModel(
            *_req_key(state.request_id), request_id=state.request_id, status=state.status, item=state.item,
            requester_body=state.requester_body, requester_kind=state.requester_kind,
            requester_public_key=state.requester_public_key, permit_id=state.permit_id, person_id=state.person_id,
            received_at=state.received_at, requested_at=state.requested_at, expires_at=state.expires_at)
        use = PermitUseModel(f"PERMIT#{state.permit_id}", "USED", request_id=state.request_id,
                             used_at=state.received_at, expires_at=permit_expires_at)
        try:
            with transaction() as tx:
                tx.save(use, condition=PermitUseModel.pk.does_not_exist())
                tx.save(item, condition=RequestModel.pk.does_not_exist())
        except TransactWriteError:
            return False
        return True

    def park(self, request_id: str, task_token: str, preview: str, queued_at: str) -> None:
        RequestModel(*_req_key(request_id)).update(actions=[
            RequestModel.status.set("awaiting_approval"), RequestModel.task_token.set(task_token),
            RequestModel.preview.set(preview), RequestModel.gsi1pk.set("PENDING"),
            RequestModel.gsi1sk.set(f"{queued_at}#{request_id}"),
        ])

    def pending(self, limit: int | None) -> list[RequestState]:
        return [_to_state(m) for m in RequestModel.pending.query("PENDING", limit=limit)]

    def decide(self, request_id: str, decision: Decision) -> bool:
        try:
            RequestModel(*_req_key(request_id)).update(actions=[
                RequestModel.status.set(decision.status), RequestModel.decided_by.set(decision.decided_by),
                RequestModel.decided_at.set(decision.decided_at),
                RequestModel.decision_reason.set(decision.reason),
                RequestModel.gsi1pk.remove(), RequestModel.gsi1sk.remove(), RequestModel.preview.remove(),
            ], condition=RequestModel.status == "awaiting_approval")
        except UpdateError as exc:
            if not _conditional(exc):
                raise
            return False
        return True

    def close_refused(self, state: RequestState, reason: str | None, closed_at: str,
                      record: ExchangeRecord) -> bool:
        actions: list[Any] = [RequestModel.closed_at.set(closed_at), RequestModel.gsi1pk.remove(),
                              RequestModel.gsi1sk.remove(), RequestModel.preview.remove()]
        if reason is not None:
            actions += [RequestModel.status.set("refused"), RequestModel.decision_reason.set(reason)]
        try:
            with transaction() as tx:
                tx.update(RequestModel(*_req_key(state.request_id)), actions=actions,
                          condition=RequestModel.closed_at.does_not_exist())
                tx.save(_record_model(record), condition=ExchangeRecordModel.pk.does_not_exist())
        except TransactWriteError:
            return False
        return True

    def close_provided(self, state: RequestState, provided_at: str, record: ExchangeRecord, reply: Reply,
                       actor: Actor, category: str, operation: str) -> bool:
        outbox = ReplyOutboxModel(f"REQ#{reply.request_id}", "REPLY", request_id=reply.request_id,
                                  requester_body=reply.requester_body, record_id=reply.record_id,
                                  reply=reply.reply, created_at=reply.created_at, expires_at=reply.expires_at)
        assert state.person_id is not None
        try:
            with transaction() as tx:
                tx.update(RequestModel(*_req_key(state.request_id)),
                          actions=[RequestModel.status.set("provided"), RequestModel.closed_at.set(provided_at)],
                          condition=(RequestModel.status == state.status) & RequestModel.closed_at.does_not_exist())
                tx.save(_record_model(record), condition=ExchangeRecordModel.pk.does_not_exist())
                tx.save(outbox, condition=ReplyOutboxModel.pk.does_not_exist())
                record_access(actor, [state.person_id], category, operation, transaction=tx)
        except TransactWriteError:
            return False
        return True

    def reply(self, request_id: str) -> Reply:
        return _to_reply(ReplyOutboxModel.get(f"REQ#{request_id}", "REPLY", consistent_read=True))

    def mark_sent(self, request_id: str, sent_at: str) -> None:
        ReplyOutboxModel(f"REQ#{request_id}", "REPLY").update(actions=[ReplyOutboxModel.sent_at.set(sent_at)])

    # --- 情報提供等記録 ----------------------------------------------------------------------------

    def put_record(self, record: ExchangeRecord) -> bool:
        try:
            _record_model(record).save(condition=ExchangeRecordModel.pk.does_not_exist())
        except PutError as exc:
            if not _conditional(exc):
                raise
            return False
        return True

    def records_for_request(self, request_id: str) -> list[ExchangeRecord]:
        # a scan: audit and tests only, not the hot path
        return [_to_record(m) for m in ExchangeRecordModel.scan(ExchangeRecordModel.request_id == request_id)]

    def records_of_month(self, month: str, before: str) -> Iterator[ExchangeRecord]:
        for m in ExchangeRecordModel.by_month.query(f"MONTH#{month}", ExchangeRecordModel.gsi1sk < before):
            yield _to_record(m)

    def delete_record(self, record_id: str) -> None:
        ExchangeRecordModel(f"REC#{record_id}", "RECORD").delete()

    # --- query results --------------------------------------------------------------------------

    def put_result(self, result: QueryResult) -> None:
        QueryResultModel(f"PERSON#{result.person_id}", f"QRESULT#{result.request_id}", person_id=result.person_id,
                         request_id=result.request_id, item=result.item, provider_body=result.provider_body,
                         data=result.data, received_at=result.received_at, expires_at=result.expires_at,
                         gsi1pk="QRESULT", gsi1sk=result.expires_on).save()

    def results_of(self, person_id: str) -> list[QueryResult]:
        return [_to_result(m) for m in QueryResultModel.query(f"PERSON#{person_id}",
                                                              QueryResultModel.sk.startswith("QRESULT#"))]

    def expired_results(self, cutoff: str) -> list[QueryResult]:
        return [_to_result(m) for m in QueryResultModel.by_expiry.query("QRESULT", QueryResultModel.gsi1sk <= cutoff)]

    def delete_result(self, person_id: str, request_id: str) -> None:
        QueryResultModel(f"PERSON#{person_id}", f"QRESULT#{request_id}").delete()

    # --- access records -------------------------------------------------------------------------

    def record(self, actor: Actor, subject_ids: Sequence[str], category: str, operation: str,
               chain: str | None = None) -> None:
        record_access(actor, subject_ids, category, operation, chain=chain)
