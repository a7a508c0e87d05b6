"""The pynamodb adapter of the 符号 port (kokuho.linkage.code_ports.CodeStore): item PERSON#<id> / CODE
of the "linkage" table (kokuho.records.linkage.CodeModel), gsi1 CODE#<code> / PERSON."""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.exceptions import DoesNotExist, PutError

from kokuho.access.actor import Actor
from kokuho.access.records import record_access
from kokuho.records.linkage import CodeModel


def _pk(person_id: str) -> str:
    return f"PERSON#{person_id}"


class PynamoCodeStore:
    def code_of(self, person_id: str) -> str | None:
        try:
            return str(CodeModel.get(_pk(person_id), "CODE", consistent_read=True).code)
        except DoesNotExist:
            return None

    def person_of_code(self, code: str) -> str | None:
        for item in CodeModel.by_code.query(f"CODE#{code}", limit=1):
            return str(item.person_id)
        return None

    def put_once(self, person_id: str, code: str, issued_at: str, issuer: str) -> bool:
        item = CodeModel(_pk(person_id), "CODE", person_id=person_id, code=code, issued_at=issued_at,
                         issuer=issuer, gsi1pk=f"CODE#{code}", gsi1sk="PERSON")
        try:
            item.save(condition=CodeModel.pk.does_not_exist())
        except PutError:
            return False
        return True

    def record(self, actor: Actor, subject_ids: Sequence[str], category: str, operation: str) -> None:
        record_access(actor, subject_ids, category, operation)
