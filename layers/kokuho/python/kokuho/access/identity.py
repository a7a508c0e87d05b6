"""Who is calling (request identity): the individual member of staff and the terminal of each request.

Production wiring: the private REST API authenticates every request before the function runs, in one
of two ways (infra/stacks/api.py):
- IAM authorization (the Api stack's default): the city's IC-card login broker (職員ICカード＋パスワード,
  seed III-3 リスク2) gives the member of staff short-lived STS credentials of a per-staff role session
  whose session name is the staff id; API Gateway verifies the SigV4 signature and puts
  `arn:aws:sts::<acct>:assumed-role/<staff role>/<staff id>` in `requestContext.identity.userArn`.
  The terminal id comes from header `X-Kokuho-Terminal` (set by the terminal software; the source IP
  is in the API access log and CloudTrail). The role name must be `KOKUHO_STAFF_ROLE` (default
  `kokuho-staff`): any other principal (a function's role, an administrator) is refused.
- a TOKEN authorizer fed by the same login broker returning `context: {"staff_id", "terminal_id"}`,
  which API Gateway places in `requestContext.authorizer`.
Neither can be forged by a client.

Locally (no API Gateway), a signed test identity can stand in: header `X-Kokuho-Identity` =
base64url(JSON {"staff_id", "terminal_id"}) + "." + base64url(HMAC-SHA256(key, payload)), accepted only
when `KOKUHO_LOCAL_IDENTITY_KEY` is set in the environment (never set on AWS).

No shared ids (共用IDの発行は禁止): a staff id must look like an individual 職員番号 (letters then
digits, e.g. S0001) and must not be a generic name; anything else is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from typing import Any

LOCAL_KEY_ENV = "KOKUHO_LOCAL_IDENTITY_KEY"
HEADER = "X-Kokuho-Identity"
TERMINAL_HEADER = "X-Kokuho-Terminal"
STAFF_ROLE_ENV = "KOKUHO_STAFF_ROLE"
_ASSUMED_ROLE = re.compile(r"^arn:aws:sts::[0-9]{12}:assumed-role/(?P<role>[\w+=,.@-]+)/(?P<session>[\w+=,.@-]+)$")
INDIVIDUAL_STAFF_ID = re.compile(r"^[A-Z]{1,3}[0-9]{4,7}$")
TERMINAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{1,39}$")
SHARED_PATTERNS = re.compile(
    r"(?i)^(admin|administrator|root|guest|shared|share|common|kyotsu|kyoyu|test|user|staff|generic|"
    r"system|anonymous|operator|madoguchi|counter)")


class Unauthenticated(Exception):
    """No individual identity on the request (401). The message never echoes the presented value."""


@dataclass(frozen=True)
class RequestIdentity:
    staff_id: str
    terminal_id: str


def check_individual(staff_id: str, terminal_id: str) -> RequestIdentity:
    if not staff_id or not terminal_id:
        raise Unauthenticated("the request carries no staff id or no terminal id")
    if SHARED_PATTERNS.match(staff_id) or not INDIVIDUAL_STAFF_ID.fullmatch(staff_id):
        raise Unauthenticated("the staff id is not an individual staff id")
    if not TERMINAL_ID.fullmatch(terminal_id):
        raise Unauthenticated("the terminal id is not a registered terminal id form")
    return RequestIdentity(staff_id, terminal_id)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_identity(staff_id: str, terminal_id: str, key: str) -> str:
    """The local test header value (test helper / local demo only)."""
    payload = _b64(json.dumps({"staff_id": staff_id, "terminal_id": terminal_id}).encode("utf-8"))
    mac = hmac.new(key.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


def _from_header(value: str, key: str) -> RequestIdentity:
    try:
        payload, mac = value.split(".", 1)
        expected = hmac.new(key.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise Unauthenticated("the identity signature does not verify")
        claims = json.loads(_unb64(payload))
    except (ValueError, UnicodeError) as exc:
        raise Unauthenticated("the identity header is malformed") from exc
    if not isinstance(claims, dict):
        raise Unauthenticated("the identity header is malformed")
    return check_individual(str(claims.get("staff_id") or ""), str(claims.get("terminal_id") or ""))


def identity_of(event: dict[str, Any]) -> RequestIdentity:
    """The identity of an API Gateway REST (v1 proxy) event, or Unauthenticated."""
    request_context = event.get("requestContext") or {}
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    ctx = request_context.get("authorizer") or {}
    if isinstance(ctx, dict) and (ctx.get("staff_id") or ctx.get("terminal_id")):
        return check_individual(str(ctx.get("staff_id") or ""), str(ctx.get("terminal_id") or ""))
    user_arn = str((request_context.get("identity") or {}).get("userArn") or "")
    if user_arn:
        m = _ASSUMED_ROLE.match(user_arn)
        if m is None or m["role"] != os.environ.get(STAFF_ROLE_ENV, "kokuho-staff"):
            raise Unauthenticated("the caller is not a staff role session")
        return check_individual(m["session"], str(headers.get(TERMINAL_HEADER.lower()) or ""))
    key = os.environ.get(LOCAL_KEY_ENV)
    value = headers.get(HEADER.lower())
    if key and value:
        return _from_header(str(value), key)
    raise Unauthenticated("the request carries no staff identity")
