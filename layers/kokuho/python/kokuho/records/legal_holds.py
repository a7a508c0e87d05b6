"""kokuho.retention.holds.HoldStore on the requests table (a person's marks about their data live there):
`PERSON#<id>` / `LEGALHOLD`, gsi1 `LEGALHOLD` / `<id>`. Each write is one transaction with its access record."""

from __future__ import annotations

from datetime import date

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from kokuho.access.actor import Actor
from kokuho.access.records import record_access
from kokuho.records.base import connection
from kokuho.records.requests import RequestItem
from kokuho.retention.hold_ports import CATEGORY, LegalHold

SK = "LEGALHOLD"


class PynamoHoldStore:
    def put_hold(self, actor: Actor, hold: LegalHold) -> bool:
        item = RequestItem(f"PERSON#{hold.person_id}", SK, version=1, gsi1pk=SK, gsi1sk=hold.person_id,
                           doc={"person_id": hold.person_id, "reason": hold.reason,
                                "placed_on": hold.placed_on.isoformat(), "placed_by": hold.placed_by})
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(item, condition=RequestItem.pk.does_not_exist())
                record_access(actor, [hold.person_id], CATEGORY, "hold", transaction=tx)
        except TransactWriteError:
            return False
        return True

    def remove_hold(self, actor: Actor, person_id: str) -> bool:
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.delete(RequestItem(f"PERSON#{person_id}", SK), condition=RequestItem.pk.exists())
                record_access(actor, [person_id], CATEGORY, "lift", transaction=tx)
        except TransactWriteError:
            return False
        return True

    def hold_of(self, person_id: str) -> LegalHold | None:
        try:
            item = RequestItem.get(f"PERSON#{person_id}", SK, consistent_read=True)
        except RequestItem.DoesNotExist:
            return None
        doc = dict(item.doc or {})
        return LegalHold(person_id, str(doc.get("reason", "")), date.fromisoformat(str(doc["placed_on"])),
                         str(doc.get("placed_by", "")))

    def held_persons(self) -> set[str]:
        return {str(i.gsi1sk) for i in RequestItem.by_state.query(SK)}
