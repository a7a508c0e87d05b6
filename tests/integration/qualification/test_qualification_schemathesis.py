"""Property-based test of the API against the document it serves (issue 8 item 11): schemathesis reads
GET /openapi.json from the handler itself and generates requests for every operation (valid and invalid
bodies, parameters, path ids) — 0 server errors, 0 statuses the document does not list for the
operation, 0 bodies outside the documented schema, 0 wrong media types.

The handler is reached through a small WSGI adapter (the test's own: a WSGI request → the API Gateway
REST proxy event, as kokuho_local.local_api builds it) as a member of staff holding every grant,
on one embedded AWS for the module. A fixed seed and a bounded number of examples per operation in the
default run (KOKUHO_SCHEMATHESIS_EXAMPLES, default 20); a larger run is marked slow (`-m slow`)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
import schemathesis
from hypothesis import HealthCheck, seed, settings
from qualification_helpers import (
    LeakWatch,
    access_records_text,
    embedded_world,
    lift_volume_limits,
    register_couple,
    seed_member_with_every_grant,
    seed_staff,
    set_test_credentials,
)
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

ALL = "S3001"  # holds every grant
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
EXAMPLES = int(os.environ.get("KOKUHO_SCHEMATHESIS_EXAMPLES", "20"))
SEED = 20260801


def wsgi_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """One WSGI request → the REST proxy event → the API's handler → the WSGI response."""
    from qualification.api import handler

    from kokuho_local.local_api import api_context, rest_event

    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length).decode("utf-8", "replace") if length else None
    query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
    event = rest_event(environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/", staff_id=ALL,
                       raw_body=body, query=query or None)
    headers = {k[5:].replace("_", "-").title(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    event["headers"] = headers
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    out = handler(event, api_context())  # type: ignore[arg-type]
    response_headers: list[tuple[str, str]] = []
    for k, values in (out.get("multiValueHeaders") or {}).items():
        response_headers += [(k, str(v)) for v in values]
    for k, v in (out.get("headers") or {}).items():
        if k not in (out.get("multiValueHeaders") or {}):
            response_headers.append((k, str(v)))
    status = int(out["statusCode"])
    from http import HTTPStatus

    start_response(f"{status} {HTTPStatus(status).phrase}", response_headers)
    return [str(out.get("body") or "").encode("utf-8")]


@pytest.fixture(scope="module")
def api_world() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        set_test_credentials(patch)
        with embedded_world():
            lift_volume_limits(patch)
            seed_staff()
            seed_member_with_every_grant(ALL)
            register_couple(ALL)
            with LeakWatch() as watch:
                yield
            watch.assert_no_my_number(access_records_text())


def _served_schema() -> Any:
    """The document as the handler serves it (GET /openapi.json needs an identity, no table)."""
    from qualification.api import OPENAPI_PATH

    return schemathesis.openapi.from_wsgi(OPENAPI_PATH, wsgi_app)


# Loaded at collection (schemathesis's lazy fixture loader does not run on this pytest); the generated
# requests run inside api_world.
schema = _served_schema()
HEALTH = list(HealthCheck)


@schema.parametrize()
@seed(SEED)
@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=HEALTH)
def test_the_api_keeps_to_its_document(api_world: None, case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


@pytest.mark.slow
@schema.parametrize()
@seed(SEED + 1)
@settings(max_examples=500, deadline=None, database=None, suppress_health_check=HEALTH)
def test_the_api_keeps_to_its_document_long_run(api_world: None, case: Any) -> None:
    case.call_and_validate(checks=CHECKS)
