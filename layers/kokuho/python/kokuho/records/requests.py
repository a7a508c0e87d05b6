"""The request desk's adapters (kokuho.requests.ports) on the `requests` table, and the disclosure's reads of
the other tables.

Keys: a request `PERSON#<id>` / `REQUEST#<request id>`, its gsi1 `OPEN` / `<decide_by>#<request id>` while
undecided (the desk's list of what is due, oldest first), `DONE` after; a suspension mark `PERSON#<id>` /
`SUSPENSION#<request id>` (gsi1 `SUSPENDED`); a disclosure as handed over `PERSON#<id>` /
`DISCLOSURE#<request id>`; an inquiry `INQUIRY` / `<received_on>#<id>`. A request's document carries a
version: a step writes on the condition that nobody wrote since it read. Each write is one transaction with
its access record (handling a request is an access to the person's data, category `requests`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, cast

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from kokuho.access.actor import Actor
from kokuho.access.records import record_access
from kokuho.collection.ports import StoredLedger
from kokuho.records.base import Gsi1, TableModel, connection, table_meta
from kokuho.requests.model import Inquiry, Request, from_json, inquiry_from_json
from kokuho.requests.ports import (
    CATEGORY,
    BenefitRow,
    ExchangeRow,
    KeptDisclosure,
    PremiumVersion,
    StoreConflict,
    SuspensionMark,
)


class RequestItem(TableModel):
    Meta = table_meta("requests")
    version = NumberAttribute()
    doc = JSONAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_state = Gsi1["RequestItem"]()


def _request_item(req: Request, version: int) -> RequestItem:
    undecided = req.decision is None
    return RequestItem(f"PERSON#{req.person_id}", f"REQUEST#{req.request_id}", version=version, doc=req.to_json(),
                       gsi1pk="OPEN" if undecided else "DONE",
                       gsi1sk=f"{req.decide_by.isoformat()}#{req.request_id}")


def _also_item(also: SuspensionMark | KeptDisclosure) -> RequestItem:
    if isinstance(also, SuspensionMark):
        return RequestItem(f"PERSON#{also.person_id}", f"SUSPENSION#{also.request_id}", version=1,
                           doc={"person_id": also.person_id, "categories": list(also.categories),
                                "request_id": also.request_id},
                           gsi1pk="SUSPENDED", gsi1sk=f"{also.person_id}#{also.request_id}")
    return RequestItem(f"PERSON#{also.person_id}", f"DISCLOSURE#{also.request_id}", version=1,
                       doc={"request_id": also.request_id, "json_gzip_base64": also.packed},
                       gsi1pk="DISCLOSURE", gsi1sk=f"{also.person_id}#{also.request_id}")


class PynamoRequestStore:
    """`kokuho.requests.ports.RequestStore` on the requests table."""

    def _write(self, actor: Actor, subject: str, operation: str, item: RequestItem, expected: int | None,
               also: SuspensionMark | KeptDisclosure | None = None) -> None:
        condition = (RequestItem.pk.does_not_exist() if expected is None else RequestItem.version == expected)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(item, condition=condition)
                if also is not None:
                    tx.save(_also_item(also), condition=RequestItem.pk.does_not_exist())
                record_access(actor, [subject], CATEGORY, operation, transaction=tx)
        except TransactWriteError as exc:
            raise StoreConflict(f"{item.sk}: changed or taken by someone else; read it again") from exc

    def _get(self, actor: Actor, person_id: str, sk: str, operation: str) -> RequestItem | None:
        # the read is recorded whatever it found (a failed read too): "not_found" when there was nothing
        result = "ok"
        try:
            return RequestItem.get(f"PERSON#{person_id}", sk, consistent_read=True)
        except RequestItem.DoesNotExist:
            result = "not_found"
            return None
        finally:
            record_access(actor, [person_id], CATEGORY, operation, result=result)

    def add_request(self, actor: Actor, req: Request) -> None:
        self._write(actor, req.person_id, f"receive_{req.kind.value}", _request_item(req, 1), None)

    def get_request(self, actor: Actor, person_id: str, request_id: str) -> tuple[Request, int] | None:
        item = self._get(actor, person_id, f"REQUEST#{request_id}", "read_request")
        return None if item is None else (from_json(item.doc), int(item.version))

    def save_step(self, actor: Actor, req: Request, version: int, operation: str,
                  also: SuspensionMark | KeptDisclosure | None = None) -> None:
        self._write(actor, req.person_id, operation, _request_item(req, version + 1), version, also)

    def open_requests(self) -> list[Request]:
        return [from_json(i.doc) for i in RequestItem.by_state.query("OPEN")]

    def kept_disclosure(self, actor: Actor, person_id: str, request_id: str) -> bytes | None:
        item = self._get(actor, person_id, f"DISCLOSURE#{request_id}", "read_disclosure")
        return None if item is None else KeptDisclosure(person_id, request_id, item.doc["json_gzip_base64"]).body()

    def suspensions(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for item in RequestItem.by_state.query("SUSPENDED"):
            out.setdefault(item.doc["person_id"], set()).update(item.doc["categories"])
        return out

    def suspensions_of(self, person_ids: Iterable[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for pid in sorted(set(person_ids)):
            for item in RequestItem.query(f"PERSON#{pid}", RequestItem.sk.startswith("SUSPENSION#")):
                out.setdefault(pid, set()).update(item.doc["categories"])
        return out

    def add_inquiry(self, actor: Actor, inquiry: Inquiry, expected: int | None = None) -> None:
        item = RequestItem("INQUIRY", f"{inquiry.received_on.isoformat()}#{inquiry.inquiry_id}",
                           version=(expected or 0) + 1, doc=inquiry.to_json(),
                           gsi1pk="INQUIRY" if inquiry.answered_on else "INQUIRY-OPEN",
                           gsi1sk=f"{inquiry.received_on.isoformat()}#{inquiry.inquiry_id}")
        subject = inquiry.person_id or f"INQUIRY:{inquiry.inquiry_id}"
        self._write(actor, subject, "answer_inquiry" if inquiry.answered_on else "log_inquiry", item, expected)

    def inquiries(self, date_from: date, date_to: date) -> list[tuple[Inquiry, int]]:
        return [(inquiry_from_json(i.doc), int(i.version)) for i in RequestItem.query(
            "INQUIRY", RequestItem.sk.between(date_from.isoformat(), f"{date_to.isoformat()}~"))]

    def record(self, actor: Actor, subject_ids: Sequence[str], operation: str, chain: str | None) -> None:
        record_access(actor, subject_ids, CATEGORY, operation, chain=chain)


class PynamoDisclosureRecords:
    """`kokuho.requests.ports.DisclosureRecords` over the qualification, assessment, collection and linkage
    tables."""

    def householder_of(self, household_id: str) -> str | None:
        from kokuho.records.qualification import get_household

        household = get_household(household_id)
        return None if household is None else household.householder_id

    def versions(self, household_id: str, fiscal_year: int) -> list[PremiumVersion]:
        from kokuho.records.assessments import versions_of

        return [PremiumVersion(fiscal_year, int(v.version), v.status, v.result, tuple(v.installments), v.difference)
                for v in versions_of(household_id, fiscal_year)]

    def ledgers_of_payer(self, payer_id: str) -> list[StoredLedger]:
        from kokuho.records.collection import DynamoCollectionStore

        return DynamoCollectionStore().ledgers_of_payer(payer_id)

    def exchange_records(self, person_id: str) -> list[ExchangeRow]:
        from kokuho.records.linkage import ExchangeRecordModel

        return [ExchangeRow(r.direction, r.requester_body, r.provider_body, r.item, r.requested_at, r.provided_at,
                            r.outcome, tuple(json.loads(r.fields_sent)), tuple(json.loads(r.fields_withheld)))
                for r in ExchangeRecordModel.scan(ExchangeRecordModel.person_id == person_id)]

    def benefit_records(self, person_id: str, household_id: str | None) -> list[BenefitRow]:
        from kokuho.benefits.other_benefits import Claim
        from kokuho.notices.text import masked_account
        from kokuho.records.benefit_payments import BenefitPaymentItem, DynamoBenefitPaymentStore
        from kokuho.records.health import OptOutModel, VoucherModel, person_pk
        from kokuho.records.receipts import PersonMonthModel

        rows = []
        for m in PersonMonthModel.query(f"PERSON#{person_id}", PersonMonthModel.sk.startswith("MONTH#")):
            receipts = [cast(dict[str, Any], r) for r in m.receipts]
            rows.append(BenefitRow("レセプト", str(m.service_month), {
                "件数": int(m.receipt_count), "医療費": sum(int(r["total_cost"]) for r in receipts),
                "一部負担金": sum(int(r["copay"]) for r in receipts),
                "医療機関": sorted({str(r["provider_code"]) for r in receipts})}))
        if household_id is not None:
            paid = DynamoBenefitPaymentStore().household(household_id)
            rows += [BenefitRow("高額療養費の支給", p.created_on,
                                {"診療月": p.month, "支給額": p.amount, "振込額": p.transfer, "状態": p.status,
                                 "口座": masked_account(p.account.account_number) if p.account else None})
                     for p in paid.payments if p.payee_id == person_id]
            rows += [BenefitRow("返還金", c.created_on, {"診療月": c.month, "金額": c.amount, "納期限": c.due,
                                                        "理由": c.reason})
                     for c in paid.claims if c.debtor_id == person_id]
            for item in BenefitPaymentItem.query(f"HH#{household_id}", BenefitPaymentItem.sk.startswith("OBCLAIM#")):
                claim = Claim.from_json(dict(item.doc)["claim"])
                if claim.person_id == person_id:
                    decision = dict(item.doc).get("decision") or {}
                    rows.append(BenefitRow("療養費等の申請", claim.received_on.isoformat(), {
                        "種類": claim.kind, "事由発生日": claim.event_on.isoformat(),
                        "決定": None if not decision else ("支給" if decision.get("approved") else "不支給"),
                        "支給額": decision.get("amount")}))
        rows += [BenefitRow("特定健診受診券", str(v.issued_on), {"年度": int(v.fiscal_year), "有効期間": [
                     str(v.valid_from), str(v.valid_until)], "受診日": v.used_on})
                 for v in VoucherModel.query(person_pk(person_id), VoucherModel.sk.startswith("VOUCHER#"))]
        rows += [BenefitRow("医療費通知の送付希望", str(o.received_on), {"送付しない": bool(o.opted_out)})
                 for o in OptOutModel.query(person_pk(person_id), OptOutModel.sk.startswith("OPTOUT#"))]
        return sorted(rows, key=lambda r: (r.kind, r.on))
