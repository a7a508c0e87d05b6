"""The retention run's adapter of kokuho.retention.table_ports on DynamoDB: the table classes' records
(receipts and benefit months, 返還金 claims in the receipts table; premium ledgers and their items in the
collection table, with the year's assessment versions and case in the assessment table; persons and households
in the qualification table; the 国保連合会's carried-over months and 資格継続 periods in the federation table) and the
access log as its purge sees
it. Daily full scans of those tables (the run is daily; each reads a table once and keeps only what it needs
to decide: keys, the persons named, the class's facts). Deletes item by item (DeleteItem): the access log is
append-only, and its purge holds DeleteItem alone (kokuho.platform.iam_actions, "purge")."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from functools import cache, partial
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from kokuho.access.subject_index import entries_of
from kokuho.dates.tokyo import TOKYO
from kokuho.platform.tables import table
from kokuho.records.base import region
from kokuho.records.benefit_payments import claim_of
from kokuho.records.collection import DynamoCollectionStore, LedgerModel
from kokuho.retention.table_ports import Candidate, ContinuityFacts, HouseholdMonth, Key, PersonFacts

_des, _ser = TypeDeserializer().deserialize, TypeSerializer().serialize
MONTH_ITEMS = ("BENEFIT#", "BLATEST#", "BINVITE#")  # a household-month's benefit items: the month follows


@cache
def _client() -> Any:
    return boto3.client("dynamodb", region_name=region())


def _scan(logical: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    for page in _client().get_paginator("scan").paginate(TableName=table(logical).name(), ConsistentRead=True,
                                                         **kwargs):
        for raw in page.get("Items", []):
            yield {k: _des(v) for k, v in raw.items()}


def _query(logical: str, pk: str, prefix: str = "", limit: int | None = None) -> Iterator[dict[str, Any]]:
    values = {":pk": {"S": pk}} | ({":p": {"S": prefix}} if prefix else {})
    condition = "pk = :pk AND begins_with(sk, :p)" if prefix else "pk = :pk"
    extra = {"PaginationConfig": {"MaxItems": limit}} if limit else {}
    for page in _client().get_paginator("query").paginate(
            TableName=table(logical).name(), ConsistentRead=True, KeyConditionExpression=condition,
            ExpressionAttributeValues=values, **extra):
        for raw in page.get("Items", []):
            yield {k: _des(v) for k, v in raw.items()}


def _exists(logical: str, pk: str, prefix: str) -> bool:
    return any(True for _ in _query(logical, pk, prefix, limit=1))


def _period(d: Mapping[str, Any]) -> tuple[date, date | None]:
    until = d.get("until")
    return date.fromisoformat(str(d["acquired_on"])), None if not until else date.fromisoformat(str(until))


def _doc(value: Any) -> dict[str, Any]:
    return dict(json.loads(value)) if isinstance(value, str) else dict(value or {})


class DynamoRetentionTables:
    def __init__(self) -> None:
        self._members: dict[str, tuple[str, ...]] = {}
        self._payments: dict[str, Any] = {}  # household → its HouseholdPayments (kokuho.benefits.payment_ports)

    def _household_members(self, household_id: str) -> tuple[str, ...]:
        if household_id not in self._members:
            got = _client().get_item(TableName=table("qualification").name(), ConsistentRead=True,
                                     Key={"pk": {"S": f"HOUSEHOLD#{household_id}"}, "sk": {"S": "PROFILE"}})
            item = {k: _des(v) for k, v in got.get("Item", {}).items()}
            self._members[household_id] = tuple(str(m["person_id"]) for m in _doc_list(item.get("members")))
        return self._members[household_id]

    def household_members(self, household_id: str) -> tuple[str, ...]:
        return self._household_members(household_id)

    def benefit_months(self) -> Iterator[Candidate]:
        for item in _scan("receipts", ProjectionExpression="pk, sk"):
            pk, sk = str(item["pk"]), str(item["sk"])
            if pk.startswith("PERSON#") and sk.startswith("MONTH#"):
                yield Candidate((("receipts", pk, sk),), (pk.removeprefix("PERSON#"),), sk.removeprefix("MONTH#")[:7])
            elif pk.startswith("HH#") and sk.startswith(MONTH_ITEMS):
                household, month = pk.removeprefix("HH#"), sk.partition("#")[2][:7]
                yield Candidate((("receipts", pk, sk),), (household, *self._household_members(household)),
                                HouseholdMonth(month, partial(self._still_owed, household, month)))

    def _still_owed(self, household_id: str, month: str) -> bool:
        """What the payment run reads of the household (read once a run), judged by the payment's own rule."""
        from kokuho.benefits.payment import still_owed
        from kokuho.records.benefit_payments import DynamoBenefitPaymentStore

        if household_id not in self._payments:
            self._payments[household_id] = DynamoBenefitPaymentStore().household(household_id)
        h = self._payments[household_id]
        benefit = next((m.benefit for m in h.months if m.month == month), 0)
        return still_owed(month, benefit, h.payments, h.claims, h.applications)

    def recovery_claims(self) -> Iterator[Candidate]:
        for item in _scan("receipts", FilterExpression="begins_with(sk, :c)",
                          ExpressionAttributeValues={":c": {"S": "BCLAIM#"}}):
            claim = claim_of(_doc(item["doc"]))
            yield Candidate((("receipts", str(item["pk"]), str(item["sk"])),),
                            (claim.household_id, claim.debtor_id, *claim.persons,
                             *self._household_members(claim.household_id)), claim)

    def ledgers(self) -> Iterator[Candidate]:
        # every charged ledger (its charge the year's latest version with a notice, kokuho.records.ledger_charges)
        for ledger in DynamoCollectionStore().all_ledgers():
            household, fy = ledger.key
            named = [("PAYMENT#", p.payment_id, "PAYMENT") for p in ledger.payments]
            named += [("REMINDER#", str(r["id"]), "REMINDER") for r in ledger.reminders if r.get("id")]
            named += [("LATECHARGE#", str(b["id"]), "LATECHARGE") for b in ledger.late_charges if b.get("id")]
            named += [("ARREARS#", str(a["id"]), "ARREARS") for a in ledger.arrears if a.get("id")]
            # the ledger's item (collection's writes: absent while it has none — deleting it then deletes nothing)
            keys: list[Key] = [("collection", *LedgerModel.key(household, fy))]
            keys += [("collection", f"{prefix}{i}", sk) for prefix, i, sk in named]
            # the premium the ledger collected: the year's assessment versions and the household's case of that year
            keys += [("assessment", str(i["pk"]), str(i["sk"]))
                     for i in _query("assessment", f"ASSESS#{household}#FY#{fy}")]
            keys.append(("assessment", f"HHCASE#{household}", f"FY#{fy}"))
            yield Candidate(tuple(keys), (household, ledger.charge.payer_id, *self._household_members(household)),
                            ledger)

    def persons(self) -> Iterator[Candidate]:
        periods: dict[str, tuple[tuple[date, date | None], ...]] = {}
        heads: dict[str, list[str]] = {}  # householder → members of the households they head
        for item in _scan("qualification", FilterExpression="sk = :p",
                          ExpressionAttributeValues={":p": {"S": "PROFILE"}}):
            pk = str(item["pk"])
            if pk.startswith("PERSON#"):
                person = pk.removeprefix("PERSON#")
                periods[person] = tuple(_period(p) for p in _doc_list(item.get("periods")))
            elif pk.startswith("HOUSEHOLD#"):
                members = [str(m["person_id"]) for m in _doc_list(item.get("members"))]
                heads.setdefault(str(item["householder_id"]), []).extend(m for m in members
                                                                           if m != item["householder_id"])
        for person, own in sorted(periods.items()):
            headed = tuple(p for m in heads.get(person, ()) for p in periods.get(m, ()))
            if not (own or headed) or any(u is None for _, u in own + headed):
                yield Candidate((), (person,), PersonFacts(own, headed, False))  # kept: insured or never
                continue
            referenced = self._referenced(person)
            yield Candidate(() if referenced else self._person_keys(person), (person,),
                            PersonFacts(own, headed, referenced))

    def _referenced(self, person: str) -> bool:
        if _exists("receipts", f"PERSON#{person}", "MONTH#"):
            return True
        # a refund names its payer on gsi1; a ledger's payer is its version's (no index entry: the ledgers of the
        # households the person was a member of, kokuho.records.payer_ledgers)
        payer = _client().query(TableName=table("collection").name(), IndexName="gsi1", Limit=1,
                                KeyConditionExpression="gsi1pk = :p",
                                ExpressionAttributeValues={":p": {"S": f"PAYER#{person}"}})
        if payer.get("Items") or DynamoCollectionStore().ledgers_of_payer(person):
            return True
        got = _client().get_item(TableName=table("qualification").name(), ConsistentRead=True,
                                 Key={"pk": {"S": f"PERSON#{person}"}, "sk": {"S": "PROFILE"}})
        household = str(_des(got["Item"]["household_id"])) if "household_id" in got.get("Item", {}) else ""
        return bool(household) and _exists("receipts", f"HH#{household}", "BCLAIM#")

    def _person_keys(self, person: str) -> tuple[Key, ...]:
        """Every item of the person in the information file and the resident code's pointer to them, and what
        other areas keep under the person's key: the 保健事業 items (受診券, 医療費通知 opt-out) and the 符号 of
        the information linkage. The profile last: a run stopped midway finds the person again."""
        items = list(_query("qualification", f"PERSON#{person}"))
        codes = sorted({str(i["resident_code"]) for i in items if i.get("sk") == "PROFILE" and i.get("resident_code")})
        others = [(logical, str(i["pk"]), str(i["sk"])) for logical in ("health", "linkage")
                  for i in _query(logical, f"PERSON#{person}")]
        return (*(("qualification", f"RESIDENT#{c}", "PERSON") for c in codes), *others,
                *sorted((("qualification", str(i["pk"]), str(i["sk"])) for i in items),
                        key=lambda k: k[2] == "PROFILE"))

    def _household_of(self, person: str) -> str:
        got = _client().get_item(TableName=table("qualification").name(), ConsistentRead=True,
                                 Key={"pk": {"S": f"PERSON#{person}"}, "sk": {"S": "PROFILE"}},
                                 ProjectionExpression="household_id")
        return str(_des(got["Item"]["household_id"])) if "household_id" in got.get("Item", {}) else ""

    def carried_over_months(self) -> Iterator[Candidate]:
        # kept under the NHI householder (kokuho.records.federation_store): a hold on them or on a member of the
        # household they are in here keeps the month, as it keeps the household's own benefit months
        households: dict[str, str] = {}
        for item in _scan("federation", FilterExpression="begins_with(pk, :p) AND begins_with(sk, :k)",
                          ExpressionAttributeValues={":p": {"S": "PERSON#"}, ":k": {"S": "KOGAKU#"}},
                          ProjectionExpression="pk, sk"):
            pk, sk = str(item["pk"]), str(item["sk"])
            person = pk.removeprefix("PERSON#")
            if person not in households:
                households[person] = self._household_of(person)
            household = households[person]
            members = (household, *self._household_members(household)) if household else ()
            yield Candidate((("federation", pk, sk),), (person, *members), sk.removeprefix("KOGAKU#")[:7])

    def continuity_periods(self) -> Iterator[Candidate]:
        items = list(_scan("federation", FilterExpression="begins_with(pk, :p) AND begins_with(sk, :c)",
                           ExpressionAttributeValues={":p": {"S": "PERSON#"}, ":c": {"S": "CONT#"}},
                           ProjectionExpression="pk, sk, lost_on, file_id"))
        # read now, after the persons' class of this run: a person who just left the file is judged gone
        in_file = self.present({str(i["pk"]).removeprefix("PERSON#") for i in items})
        applied: dict[str, date | None] = {}
        for item in items:
            pk, sk = str(item["pk"]), str(item["sk"])
            person, file_id = pk.removeprefix("PERSON#"), str(item.get("file_id") or "")
            if file_id not in applied:
                applied[file_id] = _applied_on(file_id)
            lost = str(item.get("lost_on") or "")
            yield Candidate((("federation", pk, sk),), (person,),
                            ContinuityFacts(date.fromisoformat(lost) if lost else None, applied[file_id],
                                            person in in_file))

    def orphan_households(self) -> Iterator[Candidate]:
        for item in _scan("qualification", FilterExpression="sk = :p AND begins_with(pk, :h)",
                          ExpressionAttributeValues={":p": {"S": "PROFILE"}, ":h": {"S": "HOUSEHOLD#"}}):
            members = {str(m["person_id"]) for m in _doc_list(item.get("members"))} | {str(item["householder_id"])}
            if not self.present(members):
                pk = str(item["pk"])
                yield Candidate(tuple(("qualification", pk, str(i["sk"])) for i in _query("qualification", pk)),
                                (pk.removeprefix("HOUSEHOLD#"),), None)

    def delete(self, keys: Sequence[Key]) -> None:
        for logical, pk, sk in keys:
            _client().delete_item(TableName=table(logical).name(), Key={"pk": {"S": pk}, "sk": {"S": sk}})

    def present(self, subjects: Iterable[str]) -> set[str]:
        wanted: dict[tuple[str, str], str] = {}
        for s in set(subjects):
            bare = s.removeprefix("HH:")
            wanted[(f"PERSON#{bare}", "PROFILE")] = s
            wanted[(f"HOUSEHOLD#{bare}", "PROFILE")] = s
        found: set[str] = set()
        keys = list(wanted)
        for i in range(0, len(keys), 100):
            request = {table("qualification").name(): {
                "Keys": [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys[i:i + 100]],
                "ProjectionExpression": "pk, sk", "ConsistentRead": True}}
            while request:
                out = _client().batch_get_item(RequestItems=request)
                for raw in next(iter(out["Responses"].values()), []):
                    found.add(wanted[(raw["pk"]["S"], raw["sk"]["S"])])
                request = out.get("UnprocessedKeys") or {}
        return found


def _applied_on(file_id: str) -> date | None:
    """The day (in Japan) the federation's file was applied: its marker (FILE#<id> / APPLIED), kept for ever."""
    if not file_id:
        return None
    got = _client().get_item(TableName=table("federation").name(), ConsistentRead=True,
                             Key={"pk": {"S": f"FILE#{file_id}"}, "sk": {"S": "APPLIED"}},
                             ProjectionExpression="applied_at")
    at = str(_des(got["Item"]["applied_at"])) if "applied_at" in got.get("Item", {}) else ""
    return datetime.fromisoformat(at).astimezone(TOKYO).date() if at else None


def _doc_list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return list(json.loads(value))
    return list(value or [])


class DynamoAccessPurge:
    """kokuho.retention.table_ports.AccessPurgeStore on the access_log table."""

    def records(self) -> Iterator[Mapping[str, Any]]:
        yield from _scan("access_log", FilterExpression="begins_with(pk, :c) AND begins_with(sk, :r)",
                         ExpressionAttributeValues={":c": {"S": "CHAIN#"}, ":r": {"S": "REC#"}})

    def put_cut(self, item: Mapping[str, Any]) -> bool:
        try:
            _client().put_item(TableName=table("access_log").name(), Item={k: _ser(v) for k, v in item.items()},
                               ConditionExpression="attribute_not_exists(pk)")
        except _client().exceptions.ConditionalCheckFailedException:
            return False
        return True

    def delete_record(self, record: Mapping[str, Any]) -> None:
        # the record first, then its entries: a run stopped between leaves entries below the anchored floor,
        # which verify expects no more (kokuho.access.records.verify_all) and the next run does not look at
        name = table("access_log").name()
        _client().delete_item(TableName=name, Key={"pk": {"S": str(record["pk"])}, "sk": {"S": str(record["sk"])}})
        for entry in entries_of(record):  # its own and shared ones; a chain-indexed record has none of its own
            _client().delete_item(TableName=name, Key={"pk": {"S": entry["pk"]}, "sk": {"S": entry["sk"]}})
