"""The private API (資格管理API) called locally: API Gateway REST (v1) proxy events, and a loopback HTTP
adapter for the demo.

Why an adapter and not moto's API Gateway (moto 5.2, checked in moto/apigateway): a REST API with an
`AWS_PROXY` integration can be *created* in moto, but not *called* — `Resource.get_response` hands
every integration type other than `HTTP` and `AWS` (DynamoDB actions only) to `TypeUnknownParser`,
which raises NotImplementedError; and its `_user_request_` dispatch of `execute-api` URLs works only
under the in-process decorator, not in server mode. So there is no way to reach a Lambda function
through moto's API Gateway over HTTP.

`LoopbackApi` is therefore the smallest stand-in: a threaded stdlib `http.server` on 127.0.0.1 (random
port, serving only inside its `with` block) that turns each HTTP request into the REST proxy event API
Gateway would send and invokes the catalog's api function serving the route's concern (`api_function`,
what API Gateway's per-route integrations do) through moto's Lambda (`EmbeddedAWS.invoke`, routed
in-process by kokuho_local.local_lambda). Authentication is what the Api stack deploys — IAM:
`login` plays the city's login broker (STS AssumeRole of the staff role through moto, session name =
staff id, session tag = terminal, the session registered in kokuho.access.sessions), `request` signs
each call with SigV4 (botocore) like a terminal, and the adapter verifies the signature against the
session's secret as API Gateway does, then fills `requestContext.identity` with the IAM caller's fields
(`userArn`, `accountId`, `accessKey`, `caller`, `user`). With `auth="token"` it plays the TOKEN
authorizer instead (a header signed with a per-adapter key → `requestContext.authorizer`). A request
that does not authenticate gets 401 and never reaches the function.

Like API Gateway, it answers by itself: 401 before anything else, 405 for a method API Gateway does not
carry (after authentication), 400 for a body that is not UTF-8, 408 when a connection idles or sends
fewer body bytes than it announced, 413 past the payload limit. Each connection is served on its own
thread, so an idle keep-alive connection blocks nobody. It emulates the proxy-event shape only, NOT
API Gateway itself: no resource policy, no VPC endpoint, no stage throttling, no mapping templates.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kokuho.access.identity import (
    DEFAULT_STAFF_ROLE,
    HEADER,
    TERMINAL_TAG,
    Unauthenticated,
    check_individual,
    sign_identity,
)
from kokuho_local.local_lambda import LocalLambdaContext

# The in-process harnesses' function name (tests, benchmarks): not a catalog function, so the handler
# serves every route (qualification.api.served_concerns). Deployed and embedded runs use the split ones.
HARNESS_FUNCTION = "qualification-api"
API_HOST = "abc123.execute-api.ap-northeast-1.amazonaws.com"
REGION = "ap-northeast-1"
CITY_ACCOUNT = "123456789012"  # moto's default account: the city's account of the embedded AWS
DEFAULT_TERMINAL = "T-KOKUHO-01"
# The methods an `ANY` method of API Gateway carries to the integration; any other gets 405.
GATEWAY_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
SIGNATURE_SKEW_S = 300  # SigV4: a signature older or newer than 5 minutes is refused


@dataclass(frozen=True)
class IamCaller:
    """The IAM caller API Gateway puts in `requestContext.identity` for a SigV4-signed call of a staff
    role session (the session the login broker minted)."""

    staff_id: str
    access_key: str
    account_id: str = CITY_ACCOUNT
    role: str = DEFAULT_STAFF_ROLE
    role_id: str = "AROAKOKUHOSTAFFROLE01"

    @property
    def user_arn(self) -> str:
        return f"arn:aws:sts::{self.account_id}:assumed-role/{self.role}/{self.staff_id}"

    @property
    def caller(self) -> str:
        return f"{self.role_id}:{self.staff_id}"


def _identity(source_ip: str, caller: IamCaller | None) -> dict[str, Any]:
    """`requestContext.identity` as API Gateway fills it for a private API (IAM fields null unless IAM)."""
    return {
        "cognitoIdentityPoolId": None, "cognitoIdentityId": None, "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None, "apiKey": None, "apiKeyId": None, "clientCert": None,
        "principalOrgId": None, "sourceIp": source_ip, "userAgent": "kokuho-terminal",
        "vpceId": "vpce-0abc", "vpcId": "vpc-0abc",
        "accountId": caller.account_id if caller else None,
        "accessKey": caller.access_key if caller else None,
        "caller": caller.caller if caller else None,
        "user": caller.caller if caller else None,
        "userArn": caller.user_arn if caller else None,
    }


def rest_event(method: str, path: str, *, staff_id: str | None, terminal_id: str | None = DEFAULT_TERMINAL,
               body: object = None, query: dict[str, str] | None = None, raw_body: str | None = None,
               path_params: dict[str, str] | None = None, source_ip: str = "10.0.1.23",
               caller: IamCaller | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An API Gateway REST API (v1) Lambda proxy event of the private API. With `caller`: an IAM-signed
    call (identity in `requestContext.identity`, no authorizer; `staff_id`/`terminal_id` unused — the
    terminal is the caller's login session's); else a TOKEN authorizer's call (the authorizer context
    carries the staff id and terminal id)."""
    authorizer: dict[str, object] | None = None
    if caller is None and (staff_id is not None or terminal_id is not None):
        authorizer = {"principalId": staff_id or "", "integrationLatency": 3}
        if staff_id is not None:
            authorizer["staff_id"] = staff_id
        if terminal_id is not None:
            authorizer["terminal_id"] = terminal_id
    text = raw_body if raw_body is not None else (
        json.dumps(body, ensure_ascii=False) if body is not None else None)
    sent = {"Content-Type": "application/json", "Host": API_HOST} | (headers or {})
    return {
        "resource": path, "path": path, "httpMethod": method,
        "headers": sent, "multiValueHeaders": {k: [v] for k, v in sent.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_params, "stageVariables": None,
        "requestContext": {
            "accountId": CITY_ACCOUNT, "apiId": "abc123", "resourcePath": path, "httpMethod": method,
            "path": f"/v1{path}", "stage": "v1", "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000), "protocol": "HTTP/1.1",
            "identity": _identity(source_ip, caller),
            "authorizer": authorizer,
        },
        "body": text, "isBase64Encoded": False,
    }


@dataclass(frozen=True)
class StaffSession:
    """Temporary credentials of a staff role session, as the login broker hands them to a terminal."""

    staff_id: str
    terminal_id: str
    access_key: str
    secret_key: str
    token: str
    expires_at: datetime
    caller: IamCaller


def broker_login(staff_id: str, terminal_id: str, *, account_id: str = CITY_ACCOUNT,
                 role: str = DEFAULT_STAFF_ROLE, duration_s: int = 3600) -> StaffSession:
    """The login broker's part, locally (needs the embedded AWS): assume the staff role with the staff id
    as session name and the terminal as session tag, and register the session for the API."""
    import boto3

    from kokuho.access.sessions import register_session

    check_individual(staff_id, terminal_id)
    role_arn = f"arn:aws:iam::{account_id}:role/{role}"
    out = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=role_arn, RoleSessionName=staff_id, DurationSeconds=duration_s,
        Tags=[{"Key": TERMINAL_TAG, "Value": terminal_id}])
    cred, user = out["Credentials"], out["AssumedRoleUser"]
    expires = cred["Expiration"]
    expires = expires if isinstance(expires, datetime) else datetime.fromisoformat(str(expires))
    register_session(cred["AccessKeyId"], staff_id, terminal_id, role_arn, expires.astimezone(UTC))
    caller = IamCaller(staff_id, cred["AccessKeyId"], account_id, role, str(user["AssumedRoleId"]).split(":")[0])
    return StaffSession(staff_id, terminal_id, cred["AccessKeyId"], cred["SecretAccessKey"],
                        cred["SessionToken"], expires, caller)


def api_context() -> LocalLambdaContext:
    """The Lambda context of an in-process call (the api functions' catalog settings: 1,024 MB, 29 s)."""
    return LocalLambdaContext(
        function_name=f"kokuho-{HARNESS_FUNCTION}", memory_limit_in_mb=1024, timeout_seconds=29,
        invoked_function_arn=f"arn:aws:lambda:ap-northeast-1:123456789012:function:kokuho-{HARNESS_FUNCTION}")


def api_function(event: dict[str, Any]) -> str:
    """The catalog api function API Gateway would invoke for this proxy event: the one serving the
    concern of its route (the route table's own matching); an unknown route goes to the function that
    serves "meta", which answers 404/405 like every function."""
    from kokuho.platform.catalog.qualification import api_function_for
    from kokuho_local.embedded import FUNCTIONS_ROOT
    from kokuho_local.local_lambda import resolve_handler

    concern_of = resolve_handler("qualification.api.concern_of", FUNCTIONS_ROOT)
    concern = concern_of(str(event.get("httpMethod", "")), str(event.get("path", "")))  # type: ignore[call-arg]
    return api_function_for(str(concern or "meta"))


# --- sample 宛名 for local runs (demo, benchmark): deterministic, plainly fictitious -----------------

_SURNAMES = (("北九", "キタキュウ"), ("小倉", "コクラ"), ("門司", "モジ"), ("若松", "ワカマツ"), ("戸畑", "トバタ"),
             ("八幡", "ヤハタ"), ("曽根", "ソネ"), ("到津", "イトウヅ"), ("紫川", "ムラサキガワ"), ("皿倉", "サラクラ"),
             ("平尾", "ヒラオ"), ("足立", "アダチ"), ("朽網", "クサミ"), ("枝光", "エダミツ"), ("折尾", "オリオ"),
             ("香月", "カツキ"), ("黒崎", "クロサキ"), ("城野", "ジョウノ"), ("徳力", "トクリキ"), ("志井", "シイ"))
_GIVEN = (("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("桜", "サクラ"), ("健", "ケン"),
          ("陽菜", "ヒナ"), ("翔", "ショウ"), ("結衣", "ユイ"), ("誠", "マコト"), ("葵", "アオイ"),
          ("蓮", "レン"), ("美咲", "ミサキ"), ("大輔", "ダイスケ"), ("彩", "アヤ"), ("悠真", "ユウマ"))
_WARDS = (("802-0001", "北九州市小倉北区浅野"), ("803-8501", "北九州市小倉北区城内"),
          ("804-0001", "北九州市戸畑区飛幡町"), ("805-0001", "北九州市八幡東区東田"),
          ("806-0001", "北九州市八幡西区黒崎"),
          ("808-0001", "北九州市若松区本町"))


def sample_person(person_id: str, household_id: str, household_no: int, member_no: int, *,
                  relationship: str, birth_date: str, sex: str, resident_from: str) -> dict[str, Any]:
    """A 宛名 as the POST /persons body takes it: a household shares surname and address; the 住民コード
    is 8 digits derived from the numbers (never twelve digits: that is My Number's shape)."""
    surname_kanji, surname_kana = _SURNAMES[household_no % len(_SURNAMES)]
    given_kanji, given_kana = _GIVEN[(household_no * 7 + member_no) % len(_GIVEN)]
    postal, street = _WARDS[household_no % len(_WARDS)]
    return {"person_id": person_id, "resident_code": f"{household_no % 1_000_000:06d}{member_no % 100:02d}",
            "household_id": household_id, "name_kanji": f"{surname_kanji} {given_kanji}",
            "name_kana": f"{surname_kana} {given_kana}", "birth_date": birth_date, "sex": sex,
            "relationship": relationship, "postal_code": postal,
            "address": f"{street}{household_no % 9 + 1}-{household_no % 30 + 1}", "resident_from": resident_from}


# --- the loopback adapter ------------------------------------------------------------------------------

Invoke = Callable[[dict[str, Any]], dict[str, Any]]
Reply = tuple[int, list[tuple[str, str]], bytes]
_JSON = [("Content-Type", "application/json")]
_HOP_BY_HOP = frozenset({"content-length", "connection", "transfer-encoding", "keep-alive"})


def _gateway(status: int, message: str, extra: list[tuple[str, str]] | None = None) -> Reply:
    """An answer API Gateway gives by itself (never the function's)."""
    return status, _JSON + (extra or []), json.dumps({"message": message}).encode("utf-8")


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: dict[str, Any]
    text: str
    elapsed_ms: float
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "


class LoopbackApi:
    """An HTTP endpoint on 127.0.0.1 in front of the api function (see the module docstring)."""

    def __init__(self, invoke: Invoke, *, auth: str = "iam", idle_timeout_s: float = 10.0) -> None:
        if auth not in ("iam", "token"):
            raise ValueError("auth is 'iam' (what the Api stack deploys) or 'token' (a TOKEN authorizer)")
        self._invoke = invoke
        self.auth = auth
        self.idle_timeout_s = idle_timeout_s
        self._key = secrets.token_urlsafe(32)  # the TOKEN mode's signing key: lives only in memory
        self._sessions: dict[tuple[str, str], StaffSession] = {}  # (staff, terminal) → the broker's session
        self._by_key: dict[str, StaffSession] = {}  # access key → session: IAM's knowledge of the secret
        self._lock = threading.Lock()
        self.url = ""
        self.calls: list[tuple[str, str, int]] = []  # (method, route path, status) as served

    # --- the login broker and the terminal -----------------------------------------------------------

    def login(self, staff_id: str, terminal_id: str = DEFAULT_TERMINAL) -> StaffSession:
        """The member of staff's session at that terminal (minted once by the broker, then reused)."""
        with self._lock:
            session = self._sessions.get((staff_id, terminal_id))
            if session is None or session.expires_at.timestamp() < time.time() + 60:
                session = broker_login(staff_id, terminal_id)
                self._sessions[(staff_id, terminal_id)] = session
                self._by_key[session.access_key] = session
            return session

    def identity_header(self, staff_id: str, terminal_id: str = DEFAULT_TERMINAL) -> str:
        """TOKEN mode: the signed local identity of a member of staff (what the broker's token would be)."""
        return sign_identity(staff_id, terminal_id, self._key)

    def signed_headers(self, session: StaffSession, method: str, url: str, body: bytes | None,
                       headers: dict[str, str]) -> dict[str, str]:
        """A terminal's SigV4 signature of one request with its session's credentials (botocore)."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        req = AWSRequest(method=method, url=url, data=body or b"", headers=dict(headers))
        SigV4Auth(Credentials(session.access_key, session.secret_key, session.token),
                  "execute-api", REGION).add_auth(req)
        return dict(req.headers.items())

    # --- API Gateway's part ------------------------------------------------------------------------------

    def _verify_sigv4(self, method: str, target: str, headers: dict[str, str], body: bytes) -> IamCaller:
        """Check a SigV4 signature as API Gateway's IAM authorization does; the IAM caller, or Unauthenticated."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        auth = headers.get("authorization", "")
        try:
            algorithm, rest = auth.split(" ", 1)
            parts = dict(p.strip().split("=", 1) for p in rest.split(","))
            access_key, day, region, service, terminator = parts["Credential"].split("/")
            signed = parts["SignedHeaders"].split(";")
            presented = parts["Signature"]
            stamp = headers["x-amz-date"]
            when = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except (ValueError, KeyError) as exc:
            raise Unauthenticated("missing or malformed SigV4 authorization") from exc
        if (algorithm, region, service, terminator) != ("AWS4-HMAC-SHA256", REGION, "execute-api", "aws4_request") \
                or day != stamp[:8] or not {"host", "x-amz-date"} <= set(signed):
            raise Unauthenticated("the signature's scope is not this API's")
        if abs(time.time() - when.timestamp()) > SIGNATURE_SKEW_S:
            raise Unauthenticated("the signature has expired")
        with self._lock:
            session = self._by_key.get(access_key)
        if session is None or session.expires_at.timestamp() <= time.time():
            raise Unauthenticated("the security token included in the request is invalid")
        if headers.get("x-amz-security-token") != session.token or "x-amz-security-token" not in signed:
            raise Unauthenticated("the security token included in the request is invalid")
        host = headers.get("host", "")
        req = AWSRequest(method=method, url=f"http://{host}{target}", data=body,
                         headers={h: headers.get(h, "") for h in signed})
        req.context["timestamp"] = stamp
        signer = SigV4Auth(Credentials(session.access_key, session.secret_key, session.token), "execute-api", REGION)
        expected = signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req)
        if not secrets.compare_digest(expected, presented):
            raise Unauthenticated("the request signature does not match")
        return session.caller

    def _verify_token(self, value: str | None) -> tuple[str, str]:
        """The TOKEN authorizer's part: a verified (staff_id, terminal_id), or Unauthenticated."""
        if not value:
            raise Unauthenticated("the request carries no staff identity")
        try:
            payload = value.split(".", 1)[0]
            claims = json.loads(_unb64(payload))
            staff_id, terminal_id = str(claims["staff_id"]), str(claims["terminal_id"])
        except (ValueError, KeyError, TypeError, UnicodeError) as exc:
            raise Unauthenticated("the identity header is malformed") from exc
        if not secrets.compare_digest(sign_identity(staff_id, terminal_id, self._key), value):
            raise Unauthenticated("the identity signature does not verify")
        who = check_individual(staff_id, terminal_id)
        return who.staff_id, who.terminal_id

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        """One HTTP request → (status, headers, body): authenticated, the proxy event built, the function
        invoked. `headers` have lower-case names."""
        url = urllib.parse.urlsplit(target)
        path = urllib.parse.unquote(url.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        caller: IamCaller | None = None
        staff_id = terminal_id = None
        try:
            if self.auth == "iam":
                caller = self._verify_sigv4(method, target, headers, body)
            else:
                staff_id, terminal_id = self._verify_token(headers.get(HEADER.lower()))
        except Unauthenticated:
            # API Gateway answers an authentication failure itself; the reason is not told to the caller.
            return self._served(method, path, _gateway(401, "Unauthorized"))
        if method not in GATEWAY_METHODS:
            return self._served(method, path, _gateway(
                405, "Method Not Allowed", [("Allow", ", ".join(sorted(GATEWAY_METHODS)))]))
        try:
            text = body.decode("utf-8") if body else None
        except UnicodeDecodeError:
            return self._served(method, path, _gateway(400, "the request body is not UTF-8"))
        forwarded = {k: v for k, v in headers.items()
                     if k in ("content-type", "accept", "user-agent", "x-amz-date")}
        event = rest_event(method, path, staff_id=staff_id, terminal_id=terminal_id, query=query or None,
                           raw_body=text, source_ip="127.0.0.1", caller=caller, headers=forwarded)
        out = self._invoke(event)
        status = int(out.get("statusCode", 502))
        out_headers = [(str(k), str(v)) for k, v in (out.get("headers") or {}).items()]
        for k, values in (out.get("multiValueHeaders") or {}).items():
            out_headers += [(str(k), str(v)) for v in values or []]
        payload = str(out.get("body") or "").encode("utf-8")
        return self._served(method, path, (status, out_headers, payload))

    def _served(self, method: str, path: str, reply: Reply) -> Reply:
        with self._lock:
            self.calls.append((method, path, reply[0]))
        return reply

    @contextmanager
    def serving(self) -> Iterator[LoopbackApi]:
        """Serve on 127.0.0.1 (a free port), one thread per connection, until the block ends."""
        adapter = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = adapter.idle_timeout_s  # idle connections and slow or short bodies are cut off

            def _reply(self, reply: Reply) -> None:
                status, out_headers, payload = reply
                self.send_response(status)
                for k, v in out_headers:
                    if k.lower() not in _HOP_BY_HOP:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            def _serve(self) -> None:
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    length = -1
                if length < 0 or length > MAX_BODY:
                    self.close_connection = True
                    self._reply(_gateway(413 if length > MAX_BODY else 400, "bad Content-Length"))
                    return
                try:
                    body = self.rfile.read(length) if length else b""
                except TimeoutError:
                    body = b""
                if len(body) < length:  # the client announced more than it sent before the timeout
                    self.close_connection = True
                    self._reply(_gateway(408, "Request Timeout"))
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    reply = adapter.handle(self.command, self.path, headers, body)
                except Exception:  # the invoke itself failed: a gateway error, nothing of the data
                    reply = _gateway(502, "Internal server error")
                self._reply(reply)

            def __getattr__(self, name: str) -> Any:
                # Every method reaches _serve (authentication first, then 405 for what API Gateway
                # would not carry), instead of http.server's 501 before authentication.
                if name.startswith("do_"):
                    return self._serve
                raise AttributeError(name)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request line holds ids and query strings: not echoed to stderr

        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, name="kokuho-loopback-api", daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            self.url = ""

    def request(self, method: str, path: str, *, staff_id: str | None, terminal_id: str = DEFAULT_TERMINAL,
                body: object = None, query: dict[str, str] | None = None) -> ApiResponse:
        """A terminal's HTTP call to the running adapter (urllib, loopback): signed with the staff member's
        session (IAM) or carrying the signed identity (TOKEN); `staff_id=None` sends it unsigned."""
        if not self.url:
            raise RuntimeError("the loopback API is not serving")
        target = self.url + urllib.parse.quote(path) + ("?" + urllib.parse.urlencode(query) if query else "")
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        headers = {"Content-Type": "application/json"}
        if staff_id is not None and self.auth == "iam":
            headers = self.signed_headers(self.login(staff_id, terminal_id), method, target, data, headers)
        elif staff_id is not None:
            headers[HEADER] = self.identity_header(staff_id, terminal_id)
        req = urllib.request.Request(target, data=data, method=method, headers=headers)
        t = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, raw, got = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as err:
            status, raw, got = err.code, err.read(), err.headers
        elapsed = (time.perf_counter() - t) * 1000
        text = raw.decode("utf-8")
        try:
            parsed = json.loads(text) if text else {}
        except ValueError:
            parsed = {"_raw": text}
        out_headers: dict[str, str] = {}
        for k, v in got.items():
            out_headers[k.lower()] = f"{out_headers[k.lower()]}, {v}" if k.lower() in out_headers else v
        return ApiResponse(status, parsed if isinstance(parsed, dict) else {"_value": parsed}, text, elapsed,
                           out_headers)


def _unb64(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


__all__ = ["HARNESS_FUNCTION", "ApiResponse", "IamCaller", "LoopbackApi", "StaffSession", "api_context",
           "api_function", "broker_login", "rest_event", "sample_person"]
