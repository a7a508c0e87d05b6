"""The private API (資格管理API) called locally: API Gateway REST (v1) proxy events, and a loopback HTTP
adapter for the demo.

Why an adapter and not moto's API Gateway (moto 5.2, checked in moto/apigateway): a REST API with an
`AWS_PROXY` integration can be *created* in moto, but not *called* — `Resource.get_response` hands
every integration type other than `HTTP` and `AWS` (DynamoDB actions only) to `TypeUnknownParser`,
which raises NotImplementedError; and its `_user_request_` dispatch of `execute-api` URLs works only
under the in-process decorator, not in server mode. So there is no way to reach a Lambda function
through moto's API Gateway over HTTP.

`LoopbackApi` is therefore the smallest stand-in: a stdlib `http.server` on 127.0.0.1 (random port,
serving only inside its `with` block) that turns each HTTP request into the REST proxy event API
Gateway would send — with `requestContext.authorizer = {"staff_id", "terminal_id"}`, what the Api
stack's TOKEN authorizer returns — and invokes the catalog's api function through moto's Lambda
(`EmbeddedAWS.invoke`, routed in-process by kokuho.platform.local_lambda). It emulates the proxy-event
shape only, NOT API Gateway itself: no resource policy, no VPC endpoint, no throttling, no stage
mapping templates. The authorizer's part is played by a signed local identity (header
`X-Kokuho-Identity`, kokuho.access.identity.sign_identity) with a key generated per adapter: a request
without a valid signature gets 401 and never reaches the function, like an authorizer's denial.
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
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from kokuho.access.identity import HEADER, Unauthenticated, check_individual, sign_identity
from kokuho.platform.local_lambda import LocalLambdaContext

API_FUNCTION = "qualification-api"
API_HOST = "abc123.execute-api.ap-northeast-1.amazonaws.com"
DEFAULT_TERMINAL = "T-KOKUHO-01"


def rest_event(method: str, path: str, *, staff_id: str | None, terminal_id: str | None = DEFAULT_TERMINAL,
               body: object = None, query: dict[str, str] | None = None, raw_body: str | None = None,
               path_params: dict[str, str] | None = None, source_ip: str = "10.0.1.23") -> dict[str, Any]:
    """An API Gateway REST API (v1) Lambda proxy event, as a private API with a TOKEN authorizer sends it
    (the authorizer's context carries the staff id and terminal id)."""
    authorizer: dict[str, object] | None = None
    if staff_id is not None or terminal_id is not None:
        authorizer = {"principalId": staff_id or "", "integrationLatency": 3}
        if staff_id is not None:
            authorizer["staff_id"] = staff_id
        if terminal_id is not None:
            authorizer["terminal_id"] = terminal_id
    text = raw_body if raw_body is not None else (
        json.dumps(body, ensure_ascii=False) if body is not None else None)
    return {
        "resource": path, "path": path, "httpMethod": method,
        "headers": {"Content-Type": "application/json", "Host": API_HOST},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_params, "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "resourcePath": path, "httpMethod": method,
            "path": f"/prod{path}", "stage": "prod", "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000), "protocol": "HTTP/1.1",
            "identity": {"sourceIp": source_ip, "vpceId": "vpce-0abc", "userAgent": "kokuho-terminal"},
            "authorizer": authorizer,
        },
        "body": text, "isBase64Encoded": False,
    }


def api_context() -> LocalLambdaContext:
    """The Lambda context the api function gets (its catalog settings: 1,024 MB, 29 s)."""
    return LocalLambdaContext(
        function_name=f"kokuho-{API_FUNCTION}", memory_limit_in_mb=1024, timeout_seconds=29,
        invoked_function_arn=f"arn:aws:lambda:ap-northeast-1:123456789012:function:kokuho-{API_FUNCTION}")


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


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: dict[str, Any]
    text: str
    elapsed_ms: float


class LoopbackApi:
    """An HTTP endpoint on 127.0.0.1 in front of the api function (see the module docstring)."""

    def __init__(self, invoke: Invoke) -> None:
        self._invoke = invoke
        self._key = secrets.token_urlsafe(32)  # this adapter's signing key: lives only in memory
        self.url = ""
        self.calls: list[tuple[str, str, int]] = []  # (method, route path, status) as served

    def identity_header(self, staff_id: str, terminal_id: str = DEFAULT_TERMINAL) -> str:
        """The signed local identity of a member of staff (what the login broker would hand out)."""
        return sign_identity(staff_id, terminal_id, self._key)

    def authorize(self, value: str | None) -> tuple[str, str]:
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

    def handle(self, method: str, target: str, headers: dict[str, str],
               body: bytes) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request → (status, headers, body) — the proxy event built and the function invoked."""
        url = urllib.parse.urlsplit(target)
        path = urllib.parse.unquote(url.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        try:
            staff_id, terminal_id = self.authorize(headers.get(HEADER.lower()))
        except Unauthenticated:
            # API Gateway answers an authorizer's denial itself; the reason is not told to the caller.
            self.calls.append((method, path, 401))
            return 401, {"Content-Type": "application/json"}, b'{"message": "Unauthorized"}'
        event = rest_event(method, path, staff_id=staff_id, terminal_id=terminal_id, query=query or None,
                           raw_body=body.decode("utf-8") if body else None, source_ip="127.0.0.1")
        out = self._invoke(event)
        status = int(out.get("statusCode", 502))
        out_headers = {str(k): str(v) for k, v in (out.get("headers") or {}).items()}
        text = str(out.get("body") or "")
        self.calls.append((method, path, status))
        return status, out_headers, text.encode("utf-8")

    @contextmanager
    def serving(self) -> Iterator[LoopbackApi]:
        """Serve on 127.0.0.1 (a free port) on a daemon thread until the block ends."""
        adapter = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    status, out_headers, payload = adapter.handle(self.command, self.path, headers, body)
                except Exception:  # the invoke itself failed: a gateway error, nothing of the data
                    status, out_headers, payload = 502, {"Content-Type": "application/json"}, \
                        b'{"message": "Internal server error"}'
                self.send_response(status)
                for k, v in out_headers.items():
                    if k.lower() not in ("content-length", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request line holds ids and query strings: not echoed to stderr

        server = HTTPServer(("127.0.0.1", 0), _Handler)
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
        """A terminal's HTTP call to the running adapter (urllib, loopback)."""
        if not self.url:
            raise RuntimeError("the loopback API is not serving")
        target = self.url + urllib.parse.quote(path) + ("?" + urllib.parse.urlencode(query) if query else "")
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        headers = {"Content-Type": "application/json"}
        if staff_id is not None:
            headers[HEADER] = self.identity_header(staff_id, terminal_id)
        req = urllib.request.Request(target, data=data, method=method, headers=headers)
        t = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        elapsed = (time.perf_counter() - t) * 1000
        text = raw.decode("utf-8")
        try:
            parsed = json.loads(text) if text else {}
        except ValueError:
            parsed = {"_raw": text}
        return ApiResponse(status, parsed if isinstance(parsed, dict) else {"_value": parsed}, text, elapsed)


def _unb64(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


__all__ = ["API_FUNCTION", "ApiResponse", "LoopbackApi", "api_context", "rest_event", "sample_person"]
