"""符号 management (符号管理機能): the 情報提供用個人識別符号 of each person, used with the network.

A 符号 is issued by the network (through the intermediate server) on a registration request that
identifies the person by a resident reference (住民票コード-like, 11 digits), never by My Number; it
is stored here and looked up in both directions. It is never derived from My Number, and a
registration that presents a My Number-shaped reference is refused. Stored through the 符号 port
(kokuho.linkage.code_ports; the table: kokuho.records.linkage_codes).
"""

from __future__ import annotations

from datetime import UTC, datetime

from kokuho.access.actor import Actor
from kokuho.identity.redaction import looks_like_my_number
from kokuho.linkage.code_ports import CodeStore
from kokuho.linkage.network import NetworkGateway, city_body


class CodeRegistrationRefused(ValueError):
    pass


def _store(store: CodeStore | None) -> CodeStore:
    if store is not None:
        return store
    from kokuho.linkage.code_store import wired

    return wired()


def code_of(person_id: str, *, store: CodeStore | None = None) -> str | None:
    return _store(store).code_of(person_id)


def person_of_code(code: str, *, store: CodeStore | None = None) -> str | None:
    return _store(store).person_of_code(code)


def register_code(person_id: str, resident_ref: str, network: NetworkGateway, actor: Actor, *,
                  store: CodeStore | None = None) -> str:
    """Obtain (once) and store the person's 符号; idempotent: a registered person keeps their code."""
    codes = _store(store)
    existing = codes.code_of(person_id)
    if existing:
        return existing
    if looks_like_my_number(resident_ref):  # any shape: full-width, 4-4-4, …
        raise CodeRegistrationRefused("a 符号 is requested with a resident reference, never a My Number")
    code = network.issue_code(city_body(), resident_ref)
    if looks_like_my_number(code):
        raise CodeRegistrationRefused("the issued 符号 looks like a My Number and is not accepted")
    if not codes.put_once(person_id, code, datetime.now(UTC).isoformat(timespec="seconds"), "network"):
        return codes.code_of(person_id) or code  # a concurrent registration won: keep the stored one
    codes.record(actor, [person_id], "linkage_code", "write")
    return code
