"""符号 management (符号管理機能): the 情報提供用個人識別符号 of each person, used with the network.

A 符号 is issued by the network (through the intermediate server) on a registration request that
identifies the person by a resident reference (住民票コード-like, 11 digits), never by My Number; it
is stored here and looked up in both directions. It is never derived from My Number, and a
registration that presents a My Number-shaped reference is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.exceptions import DoesNotExist, PutError

from kokuho.access.records import Actor, record_access
from kokuho.identity.redaction import looks_like_my_number
from kokuho.linkage.network import NetworkGateway, city_body
from kokuho.records.linkage import CodeModel


class CodeRegistrationRefused(ValueError):
    pass


def _pk(person_id: str) -> str:
    return f"PERSON#{person_id}"


def code_of(person_id: str) -> str | None:
    try:
        return str(CodeModel.get(_pk(person_id), "CODE", consistent_read=True).code)
    except DoesNotExist:
        return None


def person_of_code(code: str) -> str | None:
    for item in CodeModel.by_code.query(f"CODE#{code}", limit=1):
        return str(item.person_id)
    return None


def register_code(person_id: str, resident_ref: str, network: NetworkGateway, actor: Actor) -> str:
    """Obtain (once) and store the person's 符号; idempotent: a registered person keeps their code."""
    existing = code_of(person_id)
    if existing:
        return existing
    if looks_like_my_number(resident_ref):  # any shape: full-width, 4-4-4, …
        raise CodeRegistrationRefused("a 符号 is requested with a resident reference, never a My Number")
    code = network.issue_code(city_body(), resident_ref)
    if looks_like_my_number(code):
        raise CodeRegistrationRefused("the issued 符号 looks like a My Number and is not accepted")
    item = CodeModel(_pk(person_id), "CODE", person_id=person_id, code=code,
                     issued_at=datetime.now(UTC).isoformat(timespec="seconds"), issuer="network",
                     gsi1pk=f"CODE#{code}", gsi1sk="PERSON")
    try:
        item.save(condition=CodeModel.pk.does_not_exist())
    except PutError:
        return code_of(person_id) or code  # a concurrent registration won: keep the stored one
    record_access(actor, [person_id], "linkage_code", "write")
    return code
