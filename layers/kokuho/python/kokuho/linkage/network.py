"""The port to the 情報提供ネットワークシステム (information-provision network) via the intermediate
server (中間サーバー). Handlers obtain the configured gateway here; the only implementation in this
repository is the sandbox (kokuho_local.sandbox), which simulates the network's behaviour for tests
and the demo. A production adapter (the intermediate server's interface) is not part of this repository.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

CITY_BODY_DEFAULT = "北九州市"
CITY_KIND = "市町村長"


def city_body() -> str:
    """This city's body id on the network (機関), configurable per deployment."""
    return os.environ.get("KOKUHO_LINKAGE_BODY_ID", CITY_BODY_DEFAULT)


class NetworkGateway(Protocol):
    def issue_code(self, body_id: str, resident_ref: str) -> str:
        """符号取得: the network issues the body's 符号 for a person (by a 住民票コード-like reference)."""
        ...

    def request_permit(self, requester_body: str, item: str, provider_body: str, code: str) -> dict[str, Any]:
        """情報提供許可証: the network checks its permitted list and signs a one-use permit."""
        ...

    def send_query(self, request: dict[str, Any]) -> dict[str, Any]:
        """Route a query to the provider and return its (encrypted) reply."""
        ...

    def register_public_key(self, body_id: str, public_key: str) -> None:
        ...

    def deliver_reply(self, requester_body: str, reply: dict[str, Any]) -> None:
        """Hand a provision reply to the network for the requester. Idempotent on the request id: the
        same reply sent again (a retry, an operator's rerun) is delivered once."""
        ...


class NoGateway(RuntimeError):
    pass


_gateway: NetworkGateway | None = None


def set_gateway(gateway: NetworkGateway | None) -> None:
    global _gateway
    _gateway = gateway


def gateway() -> NetworkGateway:
    if _gateway is None:
        raise NoGateway("no network gateway configured (tests and the demo install the sandbox)")
    return _gateway
