"""One embedded AWS per test module for the linkage workflows, with the sandbox network, two other
bodies, a reviewing member of staff and three persons (符号 registered, 副本 stored, My Number in the
vault so the payload scans look for a number that really is in the system)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from kokuho.access.records import Actor
from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff
from kokuho.identity.vault import reset_vault, store_my_number
from kokuho.linkage.codes import register_code
from kokuho.linkage.network import CITY_KIND, city_body, set_gateway
from kokuho.linkage.provision import register_copy, register_network_key
from kokuho.linkage.query import ensure_city_key
from kokuho_local.embedded import EmbeddedAWS, embedded_aws
from kokuho_local.sandbox import SandboxNetwork, SandboxProvider, SandboxRequester

CLERK = Actor(staff_id="S0100", terminal_id="T-KOKUHO-01", purpose="情報連携の準備 (番号法第19条第8号)")
REVIEWER = "S0200"
PERSONS = {  # person id → (resident reference (住民票コード-like), My Number)
    "P100": ("10000000017", "123456789018"),
    "P200": ("10000000025", "023456789013"),
}
COPY: dict[str, Any] = {
    "insurer_number": "401000", "insured_symbol_number": "北九-1234", "qualification_status": "insured",
    "qualification_acquired_on": "2020-04-01", "copay_ratio": "3割", "income_bracket": "ウ",
    "benefit_payments": [{"month": "2024-05", "kind": "高額療養費", "amount": 87430}],
    "high_cost_count": 2, "specific_disease_certificate": False,
    "premium_assessed": {"year": 2024, "amount": 154300}, "premium_paid": {"year": 2024, "amount": 120000},
}


@dataclass
class World:
    aws: EmbeddedAWS
    net: SandboxNetwork
    kyokai: SandboxRequester  # 全国健康保険協会 (auto items 2, 6)
    pref: SandboxRequester  # 都道府県知事 (自動応答不可 items 13, 158 …)
    provider: SandboxProvider  # another NHI insurer answering the city's queries


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with embedded_aws() as aws:
        reset_vault()
        net = SandboxNetwork()
        set_gateway(net)
        register_network_key(net.signing_public)
        net.register_body(city_body(), CITY_KIND)
        net.register_public_key(city_body(), ensure_city_key(aws.client("kms")))
        put_staff(StaffMember(REVIEWER, "審査 花子", "保険年金課", date(2020, 4, 1), None))
        put_grant(Grant(REVIEWER, "G1", "approve_linkage_provision", "情報提供内容の確認 (自動応答不可)",
                        "番号法第19条第8号", "保険年金課", date(2020, 4, 1), date(2099, 3, 31), "S0001",
                        "2020-04-01T00:00:00+09:00"))
        for pid, (ref, number) in PERSONS.items():
            register_code(pid, ref, net, CLERK)
            register_copy(pid, COPY, CLERK)
            store_my_number(pid, number, CLERK)
        world = World(aws, net, SandboxRequester("全国健康保険協会福岡支部", "全国健康保険協会", net),
                      SandboxRequester("福岡県", "都道府県知事", net), SandboxProvider("福岡市", net))
        yield world
        set_gateway(None)
        reset_vault()
