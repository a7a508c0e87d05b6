"""Who is calling (request identity): the individual member of staff and the terminal of each request.

Production wiring: the private REST API authenticates every request before the function runs, in one
of two ways (infra/stacks/api.py):
- IAM authorization (the Api stack's default, and how the demo and the tests call the API): the city's
  IC-card login broker (職員ICカード＋パスワード, seed III-3 リスク2) assumes the staff role
  (`KOKUHO_STAFF_ROLE`, default `kokuho-staff`) with the staff id as the role session name and the
  terminal as session tag `kokuho-terminal`, and registers the session it minted (its temporary access
  key id → staff id, terminal id, expiry) in the `staff_sessions` table (kokuho.access.sessions). API
  Gateway verifies the SigV4 signature and puts the caller in `requestContext.identity`: `userArn`
  `arn:aws:sts::<acct>:assumed-role/<role>/<staff id>`, `accountId`, `accessKey`, `caller`, `user`.
  The role must be the staff role of the city's account (`KOKUHO_CITY_ACCOUNT`, set by the Api stack
  from `kokuho:account`; else the API owner's `requestContext.accountId`): any other principal — a
  function's role, an administrator, the same role name in another account — is refused. API Gateway
  does not pass session tags to the function, hence the registry; a signed request whose access key
  has no live session of that staff member is refused.
- a TOKEN authorizer fed by the same login broker returning `context: {"staff_id", "terminal_id"}`,
  which API Gateway places in `requestContext.authorizer`.
Neither can be forged by a client. The terminal id is never taken from a client header: only from
the authorizer context or the broker's session, and `RequestIdentity.terminal_source` says which (the
access records carry it).

Locally (no API Gateway), a signed test identity can stand in: header `X-Kokuho-Identity` =
base64url(JSON {"staff_id", "terminal_id"}) + "." + base64url(HMAC-SHA256(key, payload)), accepted only
when `KOKUHO_LOCAL_IDENTITY_KEY` is set in the environment (never set on AWS).

No shared ids (共用IDの発行は禁止): a staff id must look like an individual 職員番号 (letters then
digits, e.g. S0001) and must not be a generic name; anything else is refused. A terminal id is a
registered terminal's name: letters, digits, hyphens, and fewer than twelve digits in all, so no My
Number in any notation can pass for one.
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
STAFF_ROLE_ENV = "KOKUHO_STAFF_ROLE"
DEFAULT_STAFF_ROLE = "kokuho-staff"
CITY_ACCOUNT_ENV = "KOKUHO_CITY_ACCOUNT"
TERMINAL_TAG = "kokuho-terminal"  # the broker's session tag (also usable in IAM conditions)
_ASSUMED_ROLE = re.compile(
    r"^arn:aws:sts::(?P<account>[0-9]{12}):assumed-role/(?P<role>[\w+=,.@-]+)/(?P<session>[\w+=,.@-]+)$")
INDIVIDUAL_STAFF_ID = re.compile(r"^[A-Z]{1,3}[0-9]{4,7}$")
TERMINAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{1,39}$")
MAX_TERMINAL_DIGITS = 11  # twelve digits, in any grouping, could be a My Number
SHARED_PATTERNS = re.compile(
    r"(?i)^(admin|administrator|root|guest|shared|share|common|kyotsu|kyoyu|test|user|staff|generic|"
    r"system|anonymous|operator|madoguchi|counter)")


class TerminalSource:
    """Where a request's terminal id came from (recorded with every access)."""

    AUTHORIZER = "authorizer"  # the TOKEN authorizer's context
    LOGIN_SESSION = "login_session"  # the login broker's session (IAM path)
    LOCAL_SIGNED = "local_signed"  # the local signed test identity (never on AWS)


class Unauthenticated(Exception):
    """No individual identity on the request (401). The message never echoes the presented value."""


@dataclass(frozen=True)
class RequestIdentity:
    staff_id: str
    terminal_id: str
    terminal_source: str = TerminalSource.AUTHORIZER


def valid_terminal_id(terminal_id: str) -> bool:
    return bool(TERMINAL_ID.fullmatch(terminal_id)) and sum(c.isdigit() for c in terminal_id) <= MAX_TERMINAL_DIGITS


def check_individual(staff_id: str, terminal_id: str,
                     terminal_source: str = TerminalSource.AUTHORIZER) -> RequestIdentity:
    if not staff_id or not terminal_id:
        raise Unauthenticated("the request carries no staff id or no terminal id")
    if SHARED_PATTERNS.match(staff_id) or not INDIVIDUAL_STAFF_ID.fullmatch(staff_id):
        raise Unauthenticated("the staff id is not an individual staff id")
    if not valid_terminal_id(terminal_id):
        raise Unauthenticated("the terminal id is not a registered terminal id form")
    return RequestIdentity(staff_id, terminal_id, terminal_source)


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
    return check_individual(str(claims.get("staff_id") or ""), str(claims.get("terminal_id") or ""),
                            TerminalSource.LOCAL_SIGNED)


def staff_role() -> str:
    return os.environ.get(STAFF_ROLE_ENV, DEFAULT_STAFF_ROLE)


def _from_iam(request_context: dict[str, Any], identity: dict[str, Any]) -> RequestIdentity:
    """A SigV4-signed call of a staff role session of the city's account (see the module docstring)."""
    from kokuho.access.sessions import session_terminal

    m = _ASSUMED_ROLE.match(str(identity.get("userArn") or ""))
    city = os.environ.get(CITY_ACCOUNT_ENV) or str(request_context.get("accountId") or "")
    if m is None or m["role"] != staff_role():
        raise Unauthenticated("the caller is not a staff role session")
    if not city or m["account"] != city or str(identity.get("accountId") or "") != city:
        raise Unauthenticated("the caller is not a staff role session of the city's account")
    staff_id = m["session"]
    check_individual(staff_id, "T-CHECK")  # the session name must be an individual staff id
    access_key = str(identity.get("accessKey") or "")
    terminal = session_terminal(access_key, staff_id) if access_key else None
    if terminal is None:
        raise Unauthenticated("the caller's login session is not registered or has expired")
    return check_individual(staff_id, terminal, TerminalSource.LOGIN_SESSION)


def identity_of(event: dict[str, Any]) -> RequestIdentity:
    """The identity of an API Gateway REST (v1 proxy) event, or Unauthenticated."""
    request_context = event.get("requestContext") or {}
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    ctx = request_context.get("authorizer") or {}
    if isinstance(ctx, dict) and (ctx.get("staff_id") or ctx.get("terminal_id")):
        return check_individual(str(ctx.get("staff_id") or ""), str(ctx.get("terminal_id") or ""),
                                TerminalSource.AUTHORIZER)
    identity = request_context.get("identity") or {}
    if isinstance(identity, dict) and identity.get("userArn"):
        return _from_iam(request_context, identity)
    key = os.environ.get(LOCAL_KEY_ENV)
    value = headers.get(HEADER.lower())
    if key and value:
        return _from_header(str(value), key)
    raise Unauthenticated("the request carries no staff identity")
