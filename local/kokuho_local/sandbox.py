"""SANDBOX — a simulated 情報提供ネットワークシステム and the other bodies on it, for tests and the
demo only. What is simulated is the network's behaviour (符号 issue per body, permitted-list check,
signed one-use permits, routing), not AWS: the city's side runs on the real (embedded) AWS.

- `SandboxNetwork`: issues a different random 符号 per body for the same person (keyed by a
  住民票コード-like resident reference, never My Number), signs permits with Ed25519 after checking
  its copy of the permitted list, routes the city's queries to a `SandboxProvider`.
- `SandboxRequester`: another body (e.g. 全国健康保険協会) that asks the city and decrypts answers with
  its own private key.
- `SandboxProvider`: another body that answers the city's queries (items 48, 69, 70) from its data,
  encrypted to the city's public key.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from kokuho.linkage.crypto import (
    KeyPair,
    decrypt_with,
    encrypt_for,
    exchange_aad,
    generate_signing_key,
    key_id,
    sign_permit,
    verify_permit_signature,
)
from kokuho.linkage.permitted_list import load_permitted_list

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # letters only: a 符号 can never look like a My Number


def network_id(prefix: str) -> str:
    """A random request/permit id with no run of twelve digits: such a run looks like a My Number, and
    the API refuses it in a URL and redaction masks it in records (1 in ~170 hex ids would have one)."""
    while True:
        candidate = f"{prefix}{secrets.token_hex(10)}"
        if not re.search(r"\d{12}", candidate):
            return candidate


def _new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(20))


class PermitDenied(PermissionError):
    pass


@dataclass
class SandboxNetwork:
    signing_private: bytes = b""
    signing_public: str = ""
    codes: dict[tuple[str, str], str] = field(default_factory=dict)  # (body, resident ref) → 符号
    bodies: dict[str, str] = field(default_factory=dict)  # body → requester kind
    public_keys: dict[str, str] = field(default_factory=dict)
    providers: dict[str, SandboxProvider] = field(default_factory=dict)
    permit_ttl: timedelta = timedelta(hours=1)
    delivered: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # request → (requester, reply)

    def __post_init__(self) -> None:
        if not self.signing_private:
            self.signing_private, self.signing_public = generate_signing_key()

    # registration
    def register_body(self, body_id: str, kind: str) -> None:
        self.bodies[body_id] = kind

    def register_public_key(self, body_id: str, public_key: str) -> None:
        self.public_keys[body_id] = public_key

    def issue_code(self, body_id: str, resident_ref: str) -> str:
        return self.codes.setdefault((body_id, resident_ref), _new_code())

    def translate(self, code: str, from_body: str, to_body: str) -> str:
        """The network's mapping of one body's 符号 to another's for the same person."""
        for (body, ref), c in self.codes.items():
            if body == from_body and c == code:
                return self.issue_code(to_body, ref)
        raise PermitDenied("unknown 符号")

    # permits
    def issue_permit(self, requester_body: str, item: str, provider_body: str, provider_code: str,
                     now: datetime | None = None) -> dict[str, Any]:
        """A signed permit naming the provider's 符号 for the person and the fingerprint of the requester's
        registered key (no check: tests forge with it)."""
        now = now or datetime.now(UTC)
        permit: dict[str, Any] = {
            "permit_id": network_id("P"), "requester_body": requester_body,
            "requester_kind": self.bodies.get(requester_body, "unknown"),
            "requester_key_id": key_id(self.public_keys[requester_body]) if requester_body in self.public_keys
            else "unregistered",
            "provider_body": provider_body,
            "item": item, "code": provider_code, "issued_at": now.isoformat(timespec="seconds"),
            "expires_at": (now + self.permit_ttl).isoformat(timespec="seconds"),
        }
        permit["signature"] = sign_permit(self.signing_private, permit)
        return permit

    def request_permit(self, requester_body: str, item: str, provider_body: str, code: str) -> dict[str, Any]:
        """As the network: check the requester against its permitted list, translate the 符号, sign."""
        row = load_permitted_list().rows.get(item)
        kind = self.bodies.get(requester_body)
        if row is None or kind is None or kind not in row.requester_kinds:
            raise PermitDenied(f"item {item} is not permitted to {requester_body}")
        return self.issue_permit(requester_body, item, provider_body,
                                 self.translate(code, requester_body, provider_body))

    def deliver_reply(self, requester_body: str, reply: dict[str, Any]) -> None:
        """As the network: a reply once per request id; the same reply again is a no-op, another reply to
        the same request (a second encryption: a second provision) is refused."""
        rid = str(reply["request_id"])
        if rid in self.delivered:
            if self.delivered[rid] != (requester_body, reply):
                raise PermitDenied("another reply to a request already answered")
            return
        self.delivered[rid] = (requester_body, json.loads(json.dumps(reply)))

    def send_query(self, request: dict[str, Any]) -> dict[str, Any]:
        provider = self.providers[request["permit"]["provider_body"]]
        return provider.answer(request, self.signing_public)


@dataclass
class SandboxRequester:
    body_id: str
    kind: str
    network: SandboxNetwork
    keys: KeyPair = field(default_factory=KeyPair.generate)

    def __post_init__(self) -> None:
        self.network.register_body(self.body_id, self.kind)
        self.network.register_public_key(self.body_id, self.keys.public_b64)

    def code_for(self, resident_ref: str) -> str:
        return self.network.issue_code(self.body_id, resident_ref)

    def make_request(self, item: str, resident_ref: str, provider_body: str, *, with_permit: bool = True,
                     permit: dict[str, Any] | None = None, public_key: str | None = None) -> dict[str, Any]:
        """The request the city's provision workflow receives (the 符号 is the provider's, as the
        network delivers it). With `permit`, that permit is used as is (reuse/forgery tests)."""
        provider_code = self.network.issue_code(provider_body, resident_ref)
        if permit is None and with_permit:
            permit = self.network.issue_permit(self.body_id, item, provider_body, provider_code)
        req: dict[str, Any] = {
            "request_id": network_id("R"), "requester_body": self.body_id, "requester_kind": self.kind,
            "item": item, "code": provider_code, "requester_public_key": public_key or self.keys.public_b64,
            "requested_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if permit is not None:
            req["permit"] = permit
        return req

    def open_reply(self, reply: dict[str, Any]) -> dict[str, Any]:
        plain = decrypt_with(self.keys.private_raw, reply["envelope"],
                             exchange_aad(reply["request_id"], reply["item"]))
        return dict(json.loads(plain))


@dataclass
class SandboxProvider:
    """Another body answering the city's queries from its own data (by its own 符号)."""

    body_id: str
    network: SandboxNetwork
    data: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # resident ref → item → fields
    refuse_items: set[str] = field(default_factory=set)
    used_permits: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.network.providers[self.body_id] = self

    def hold(self, resident_ref: str, item: str, fields: dict[str, Any]) -> None:
        self.network.issue_code(self.body_id, resident_ref)
        self.data.setdefault(resident_ref, {})[item] = fields

    def answer(self, request: dict[str, Any], network_key: str) -> dict[str, Any]:
        permit = request.get("permit") or {}
        rid, item = request["request_id"], request["item"]
        if (not verify_permit_signature(network_key, permit) or permit.get("permit_id") in self.used_permits
                or item in self.refuse_items):
            return {"request_id": rid, "status": "refused", "reason": "permit or item refused"}
        self.used_permits.add(permit["permit_id"])
        ref = next((r for (b, r), c in self.network.codes.items() if b == self.body_id and c == permit["code"]), None)
        fields = self.data.get(ref or "", {}).get(item, {})
        provided_at = datetime.now(UTC).isoformat(timespec="seconds")
        plain = json.dumps({"request_id": rid, "item": item, "provider_body": self.body_id,
                            "provided_at": provided_at, "fields": fields}, ensure_ascii=False).encode("utf-8")
        return {"request_id": rid, "status": "provided", "item": item, "provided_at": provided_at,
                "envelope": encrypt_for(request["requester_public_key"], plain, exchange_aad(rid, item))}


# --- harness helpers shared by the linkage tests and the demo ------------------------------------


def connect_city(network: SandboxNetwork, aws: Any) -> str:
    """Join the city to `network` as a deployment does, on an embedded AWS handle: this process's
    handlers route through the sandbox; the setup Lambda installs the network's permit-signing key and
    creates the city's key pair (private part under KMS); the city's body and public key are registered
    with the network. Returns the city's public key."""
    from kokuho.linkage.network import CITY_KIND, city_body, set_gateway

    set_gateway(network)
    public = str(aws.invoke("linkage-setup", {"network_public_key": network.signing_public})["city_public_key"])
    network.register_body(city_body(), CITY_KIND)
    network.register_public_key(city_body(), public)
    return public


def wait_pending(request_id: str, *, timeout_s: float = 60.0, poll_s: float = 0.05) -> dict[str, Any]:
    """The approval-queue entry of a provision request once its workflow has parked it (a harness look at
    the queue: no reviewer is named, so no access record). Raises TimeoutError if it never arrives."""
    import time

    from kokuho.linkage.provision import pending_approvals

    deadline = time.monotonic() + timeout_s
    while True:
        for entry in pending_approvals():
            if entry["request_id"] == request_id:
                return entry
        if time.monotonic() > deadline:
            raise TimeoutError("the request never reached the approval queue")
        time.sleep(poll_s)
