"""符号 management (kokuho.linkage.codes) on the in-memory fake of its port (tests/fakes/code_store.py):
no moto. Through the sandbox network on the embedded AWS: tests/integration/linkage/."""

from __future__ import annotations

from typing import Any

import pytest
from fakes.code_store import InMemoryCodeStore

from kokuho.access.actor import Actor
from kokuho.identity.mynumber import check_digit
from kokuho.linkage.codes import CodeRegistrationRefused, code_of, person_of_code, register_code

CLERK = Actor("S0001", "T1", "情報連携")
NUMBER = "12345678901" + str(check_digit("12345678901"))  # valid; never printed


class Network:
    """Stands in for the intermediate server: issues a code per (body, resident reference)."""

    def __init__(self, code: str = "QX-0001") -> None:
        self.code, self.asked = code, 0

    def issue_code(self, body_id: str, resident_ref: str) -> str:
        self.asked += 1
        return self.code


def test_a_code_is_issued_once_stored_found_both_ways_and_recorded() -> None:
    store, net = InMemoryCodeStore(), Network()
    assert register_code("P1", "10000000001", net, CLERK, store=store) == "QX-0001"
    assert register_code("P1", "10000000001", net, CLERK, store=store) == "QX-0001"  # idempotent
    assert net.asked == 1
    assert code_of("P1", store=store) == "QX-0001" and person_of_code("QX-0001", store=store) == "P1"
    assert code_of("P2", store=store) is None and person_of_code("QX-9999", store=store) is None
    assert store.access == [("S0001", ("P1",), "linkage_code", "write")]


@pytest.mark.parametrize("shape", [NUMBER, f"{NUMBER[:4]}-{NUMBER[4:8]}-{NUMBER[8:]}"], ids=["plain", "4-4-4"])
def test_a_my_number_is_never_the_reference_nor_the_code(shape: str) -> None:
    store = InMemoryCodeStore()
    with pytest.raises(CodeRegistrationRefused, match="never a My Number"):
        register_code("P1", shape, Network(), CLERK, store=store)
    with pytest.raises(CodeRegistrationRefused, match="looks like a My Number"):
        register_code("P1", "10000000001", Network(code=shape), CLERK, store=store)
    assert store.codes == {} and store.access == []


def test_a_concurrent_registration_keeps_the_stored_code_and_records_nothing_more() -> None:
    class Racing(InMemoryCodeStore):
        def put_once(self, person_id: str, code: str, issued_at: str, issuer: str) -> bool:
            self.codes[person_id] = ("QX-WINNER", issued_at, issuer)  # the other registration, first
            return False

    store: Any = Racing()
    assert register_code("P1", "10000000001", Network(), CLERK, store=store) == "QX-WINNER"
    assert store.access == []
