"""Helpers of the qualification tests (a unique module name, unlike conftest): the embedded AWS —
moto `mock_aws` with every table of kokuho.platform.tables.TABLES and the per-data-class KMS keys —,
REST events, roles, and the My Number leak watch."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from moto import mock_aws

from kokuho.platform.tables import AWS_REGION, TABLES, DataClass, key_alias


@contextmanager
def embedded_world() -> Iterator[None]:
    """moto with the tables of kokuho.platform.tables.TABLES and the per-data-class keys, plus the
    embedded AWS's DynamoDB fixes (thread safety, cheap transactions and reads) and KMS's (private keys
    generated when first used) when present. The qualification area needs no state machine or function,
    so it does not provision the whole embedded AWS (and does not depend on every other area's
    definitions being loadable)."""
    from contextlib import ExitStack

    from kokuho.access.records import forget_heads
    from kokuho.access.sessions import forget_sessions
    from kokuho.identity.vault import reset_vault

    with ExitStack() as stack:
        stack.enter_context(mock_aws())
        try:
            from kokuho_local.moto_dynamodb import patched_dynamodb
            from kokuho_local.moto_kms import patched_kms
        except ImportError:
            pass
        else:
            stack.enter_context(patched_dynamodb())
            stack.enter_context(patched_kms())
        create_tables(boto3.client("dynamodb", region_name=AWS_REGION))
        create_keys(boto3.client("kms", region_name=AWS_REGION))
        _reset_model_connections()
        reset_vault()
        forget_heads()  # the container's own access chains are in the previous world's tables
        forget_sessions()  # and the login sessions it keeps
        _SESSIONS.clear()  # the broker's sessions belong to this world's tables
        yield
        reset_vault()


def _reset_model_connections() -> None:
    from pynamodb.models import Model

    stack: list[type] = [Model]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if hasattr(cls, "_connection"):
            cls._connection = None  # type: ignore[attr-defined]


def create_tables(client: Any) -> None:
    for spec in TABLES:
        keys = [{"AttributeName": spec.partition_key, "KeyType": "HASH"}]
        if spec.sort_key:
            keys.append({"AttributeName": spec.sort_key, "KeyType": "RANGE"})
        kwargs: dict[str, Any] = {
            "TableName": spec.name(), "BillingMode": "PAY_PER_REQUEST", "KeySchema": keys,
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in spec.key_attributes()],
        }
        if spec.indexes:
            kwargs["GlobalSecondaryIndexes"] = [{
                "IndexName": ix.name,
                "KeySchema": [{"AttributeName": ix.partition_key, "KeyType": "HASH"}]
                + ([{"AttributeName": ix.sort_key, "KeyType": "RANGE"}] if ix.sort_key else []),
                "Projection": {"ProjectionType": "ALL"},
            } for ix in spec.indexes]
        client.create_table(**kwargs)


def create_keys(kms: Any) -> None:
    for dc in DataClass:
        key_id = kms.create_key(Description=f"kokuho {dc.value}")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=key_alias(dc), TargetKeyId=key_id)


def set_test_credentials(patch: pytest.MonkeyPatch) -> None:
    """The embedded AWS's region and dummy credentials, undone with `patch`."""
    patch.setenv("AWS_DEFAULT_REGION", AWS_REGION)
    patch.setenv("AWS_ACCESS_KEY_ID", "testing")
    patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    set_test_credentials(monkeypatch)


@pytest.fixture
def embedded(aws_env: None) -> Iterator[None]:
    """Fresh tables and keys for one test; the vault forgets its cached secret. On the way out, every
    response body, log line and access record the test produced is scanned for a valid My Number."""
    from kokuho.identity.vault import reset_vault

    watch = LeakWatch()
    with embedded_world():
        with watch:
            yield
        watch.assert_no_my_number(access_records_text())
        reset_vault()


class LeakWatch:
    """Collects what a test produced: response bodies (except the one route meant to show a number)
    and every log record of the project's loggers, formatted as they would be shipped."""

    current: LeakWatch | None = None

    def __init__(self) -> None:
        self.responses: list[str] = []
        self.lines: list[str] = []
        self._handler = _Collect(self.lines)

    def __enter__(self) -> LeakWatch:
        import logging

        import qualification.api  # noqa: F401  # powertools sets its logger's handlers on creation: first

        LeakWatch.current = self
        self._loggers = [logging.getLogger(n) for n in ("qualification-api", "kokuho", "")]
        # Watch at INFO whatever level an earlier in-process run (the demo runs at WARNING) left.
        self._levels = [lg.level for lg in self._loggers]
        for lg in self._loggers:
            lg.addHandler(self._handler)
            if lg.name != "root":
                lg.setLevel(logging.INFO)
        return self

    def __exit__(self, *exc: object) -> None:
        for lg, level in zip(self._loggers, self._levels, strict=True):
            lg.removeHandler(self._handler)
            lg.setLevel(level)
        LeakWatch.current = None

    def assert_no_my_number(self, extra: str = "") -> None:
        from kokuho.identity.mynumber import count_my_numbers

        for where, texts in (("response", self.responses), ("log", self.lines), ("access record", [extra])):
            found = sum(count_my_numbers(_without_hex_digests(t), inside_identifiers=True) for t in texts)
            assert found == 0, f"{found} valid My Number(s) in a {where} (not shown)"


import logging as _logging  # noqa: E402


class _Collect(_logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(level=_logging.DEBUG)
        self.sink = sink

    _STANDARD = set(vars(_logging.LogRecord("x", 0, "x", 0, "", None, None))) | {"message"}

    def emit(self, record: _logging.LogRecord) -> None:
        # What a log shipper would carry: the message, the extra fields, any traceback.
        extras = {k: v for k, v in vars(record).items() if k not in self._STANDARD}
        self.sink.append(" ".join([record.getMessage(), str(extras), record.exc_text or ""]))


def access_records_text() -> str:
    from kokuho.platform.tables import table

    client = boto3.client("dynamodb", region_name=AWS_REGION)
    pages = client.get_paginator("scan").paginate(TableName=table("access_log").name())
    return "\n".join(json.dumps([_without_aws_request_ids(i) for i in p["Items"]], ensure_ascii=False)
                     for p in pages)


_HEX_DIGEST = re.compile(r"(?<![0-9A-Za-z])(?=[0-9]*[a-f])[0-9a-f]{32,128}(?![0-9A-Za-z])")


def _without_hex_digests(text: str) -> str:
    """A SHA-256 in hex (the disclosures' checksums) holds a valid-looking twelve-digit run about once in
    sixty: a digest computed by the system, not a number anyone gave. Only runs with a hex letter go, so a
    number repeated into a digest-long run of digits is still scanned."""
    return _HEX_DIGEST.sub("<digest>", text)


def _without_aws_request_ids(item: dict[str, Any]) -> dict[str, Any]:
    """The record's request ids and terminal, where they are AWS's (kokuho.access.records stores them as they
    are: kokuho.identity.mynumber.is_aws_request_id, the one rule), are not scanned. Any other shape in those
    fields is still scanned."""
    from kokuho.identity.mynumber import is_aws_request_id

    return {k: v for k, v in item.items()
            if not (k in ("request_id", "api_request_id", "terminal_id") and is_aws_request_id(str(v.get("S", ""))))}


# --- the API: real API Gateway REST (v1 proxy) events -------------------------------------------------

import json  # noqa: E402
import sys  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

_FUNCTIONS = str(Path(__file__).resolve().parents[3] / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.insert(0, _FUNCTIONS)

PURPOSE = "国民健康保険の資格管理 (国民健康保険法第9条)"
REVEAL_PURPOSE = "番号法第9条 個人番号利用事務 (資格取得届の本人確認)"
DEPT = "国保年金課"


@dataclass(frozen=True)
class Role:
    staff_id: str
    functions: tuple[str, ...]
    state: str = "ok"  # ok | expired | not_yet | retired | moved


def _all_functions() -> tuple[str, ...]:
    from kokuho.access.grants import Function

    return tuple(f.value for f in Function)


def roles() -> dict[str, Role]:
    from kokuho.access.grants import Function as F

    return {
        "reader": Role("S1001", (F.READ_QUALIFICATION,)),
        "clerk": Role("S1002", (F.READ_QUALIFICATION, F.REGISTER_CHANGE, F.ISSUE_CARD)),
        "counter": Role("S1003", (F.READ_QUALIFICATION, F.SIMULATE_PREMIUM)),
        "number_officer": Role("S1004", (F.REGISTER_MY_NUMBER, F.LOOKUP_MY_NUMBER, F.REVEAL_MY_NUMBER)),
        "auditor": Role("S1005", (F.REVIEW_PERMISSIONS,)),
        "approver": Role("S1011", (F.APPROVE_LINKAGE_PROVISION,)),  # 自動応答不可の提供内容確認
        "number_reviewer": Role("S1012", (F.RESOLVE_MY_NUMBER_REVIEW,)),  # 確認リストの処理
        "security": Role("S1013", (F.READ_ACCESS_RECORDS,)),  # アクセス記録の点検
        "cashier": Role("S1014", (F.COLLECTION_READ, F.COLLECTION_RECORD)),  # 収納: 未消込の処理、還付口座
        # 開示等請求の窓口: receives and logs inquiries; the section chief decides and carries out
        "request_desk": Role("S1015", (F.REQUESTS_RECEIVE, F.REQUESTS_READ, F.INQUIRY_LOG)),
        "request_chief": Role("S1016", (F.REQUESTS_READ, F.REQUESTS_DECIDE, F.REQUESTS_CARRY_OUT)),
        "arrears_officer": Role("S1017", (F.COLLECTION_READ, F.ARREARS_ACTION)),  # 滞納整理
        # 滞納整理の係長: approves a measure entered late (遡及入力承認), never one of their own
        "arrears_chief": Role("S1033", (F.COLLECTION_READ, F.ARREARS_ACTION, F.ARREARS_APPROVE)),
        "health_officer": Role("S1030", (F.HEALTH_READ, F.HEALTH_RECORD)),  # 保健事業: 医療費通知の送付希望
        # 給付: the clerk records applications; the 差止 is the chief's decision
        "benefit_clerk": Role("S1018", (F.BENEFITS_READ, F.BENEFITS_RECORD)),
        "benefit_chief": Role("S1019", (F.BENEFITS_READ, F.BENEFITS_WITHHOLD)),
        # 療養費・出産育児一時金・葬祭費: the 支給決定 is a grant of its own (the clerk files the claim)
        "benefit_decider": Role("S1031", (F.BENEFITS_READ, F.BENEFITS_DECIDE)),
        # 給付係長: approves a 支給申請 entered late (遡及入力承認), never one of their own
        "benefit_approver": Role("S1034", (F.BENEFITS_READ, F.BENEFITS_RECORD, F.BENEFITS_APPROVE)),
        "benefit_approver_2": Role("S1035", (F.BENEFITS_READ, F.BENEFITS_APPROVE)),
        "legal_officer": Role("S1032", (F.LEGAL_HOLD,)),  # 保存期間の停止: legal holds placed and lifted
        "no_grants": Role("S1006", ()),
        "expired": Role("S1007", _all_functions(), "expired"),
        "not_yet": Role("S1008", _all_functions(), "not_yet"),
        "retired": Role("S1009", _all_functions(), "retired"),
        "moved": Role("S1010", _all_functions(), "moved"),
    }


def active_functions(role: Role) -> set[str]:
    return set(role.functions) if role.state == "ok" else set()


def seed_staff() -> None:
    """Every role of roles(): staff profiles and grants, in the state the role names (today = real today)."""
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff

    far, past = date(2099, 3, 31), date(2020, 4, 1)
    for name, role in roles().items():
        until = date(2021, 3, 31) if role.state == "retired" else None
        dept = "税務課" if role.state == "moved" else DEPT
        put_staff(StaffMember(role.staff_id, f"職員 {name}", dept, past, until))
        for i, fn in enumerate(role.functions):
            vf, vu = past, far
            if role.state == "expired":
                vu = date(2021, 3, 31)
            if role.state == "not_yet":
                vf = date(2099, 1, 1)
            purpose = REVEAL_PURPOSE if fn == "reveal_my_number" else PURPOSE
            put_grant(Grant(role.staff_id, f"G{i:02d}", fn, purpose, "番号法第9条第1項 別表第一 30の項",
                            DEPT, vf, vu, "S9001", "2020-04-01T09:00:00+09:00"))


def lift_volume_limits(patch: pytest.MonkeyPatch) -> None:
    """Volume limits no test meets: for tests of input handling that make thousands of requests as a few
    members (the limits themselves are tested in test_volume_limits.py). The counters still count."""
    from kokuho.access import limits
    from kokuho.access.grants import Function

    generous = limits.parse_limits({"window_seconds": 3600, "functions": {
        f.value: {"persons_per_hour": 10**9, "search_pages_per_query": 10**9} for f in Function}})
    patch.setattr(limits, "load_limits", lambda version=1: generous)


def seed_member_with_every_grant(staff_id: str) -> None:
    """One member of staff holding every function's grant, valid for the whole test."""
    from kokuho.access.grants import Function
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff

    put_staff(StaffMember(staff_id, "全機能 試験", "国保年金課", date(2020, 4, 1), None))
    for i, fn in enumerate(Function):
        put_grant(Grant(staff_id, f"G{i:02d}", fn.value, "試験", "試験", "国保年金課", date(2020, 4, 1),
                        date(2099, 3, 31), "S9001", "2020-04-01T00:00:00+09:00"))


# The REST proxy event builder and the Lambda context live in the package (kokuho_local.local_api):
# the benchmark and the demo's loopback adapter build the same events.
from kokuho_local.local_api import (  # noqa: E402
    IamCaller,
    StaffSession,
    api_context,
    broker_login,
    rest_event,
)

_SESSIONS: dict[tuple[str, str], IamCaller] = {}


def iam_session(staff_id: str, terminal_id: str = "T-KOKUHO-01") -> StaffSession:
    """A staff role session minted and registered by the (local) login broker."""
    return broker_login(staff_id, terminal_id)


def _caller(staff_id: str, terminal_id: str | None) -> IamCaller:
    """The IAM caller of a staff member at a terminal: their broker session, minted once per world; a
    caller without a registered session when the broker would refuse (shared id, no terminal)."""
    from kokuho.access.identity import Unauthenticated

    key = (staff_id, terminal_id or "")
    if key not in _SESSIONS:
        try:
            _SESSIONS[key] = broker_login(staff_id, terminal_id or "").caller
        except Unauthenticated:
            _SESSIONS[key] = IamCaller(staff_id, "ASIANOSESSION0000000")
    return _SESSIONS[key]


def call(method: str, path: str, *, staff_id: str | None, body: object = None,
         query: dict[str, str] | None = None, raw_body: str | None = None,
         terminal_id: str | None = "T-KOKUHO-01", auth: str = "iam") -> tuple[int, dict[str, Any], dict[str, Any]]:
    """Invoke the handler as the deployed API does (`auth="iam"`: a SigV4-signed call of the staff member's
    login session; `"token"`: a TOKEN authorizer's context); returns (status, parsed body, raw response)."""
    from qualification.api import handler

    caller = _caller(staff_id, terminal_id) if auth == "iam" and staff_id is not None else None
    resp = handler(rest_event(method, path, staff_id=staff_id, body=body, query=query, raw_body=raw_body,
                              terminal_id=terminal_id, caller=caller), api_context())  # type: ignore[arg-type]
    text = resp.get("body") or "{}"
    watch = LeakWatch.current
    if watch is not None and not (path.endswith("/my-number/reveal") and resp["statusCode"] == 200):
        watch.responses.append(str(text))
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = {"_raw": text}
    return int(resp["statusCode"]), parsed, resp


def register_couple(staff_id: str) -> None:
    """P0001 (世帯主) and P0002 (妻) of household H0001 registered through the API (the fuzzing worlds' pair)."""
    for pid, rel in (("P0001", "世帯主"), ("P0002", "妻")):
        status, out, _ = call("POST", "/persons", staff_id=staff_id, body={
            "person_id": pid, "resident_code": f"1000000{pid[-1]}", "household_id": "H0001",
            "name_kanji": "北九 太郎", "name_kana": "キタキュウ", "birth_date": "1975-06-15", "sex": "1",
            "relationship": rel, "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1",
            "resident_from": "2024-04-01"})
        assert status == 201, out


def benefit_household() -> None:
    """Household H1 of one insured person P1 (the householder), with a 支給 of 212,570 yen decided for 2024-10: the
    world the benefit routes' tests start from."""
    from kokuho.records.qualification import HouseholdModel, PersonModel, household_pk, person_pk

    PersonModel(person_pk("P1"), "PROFILE", person_id="P1", resident_code="RP1", household_id="H1",
                name_kanji="試験 一", name_kana="シケン ハジメ", birth_date="1980-05-10", sex="1",
                relationship="世帯主", postal_code="8020001", address="北九州市小倉北区", updated_at="2024-04-01",
                updated_by="test", periods=[{"acquired_on": "2020-04-01", "acquire_reason": "move_in", "until": None,
                                             "lose_reason": None}]).save()
    HouseholdModel(household_pk("H1"), "PROFILE", household_id="H1", householder_id="P1",
                   members=[{"person_id": "P1", "relationship": "世帯主", "joined_on": "2020-04-01", "left_on": None}],
                   updated_at="2024-04-01", updated_by="test").save()
    decided_kogaku_month("2024-10", 212_570, age=44)


def decided_kogaku_month(month: str, benefit: int, *, age: int) -> None:
    """A 高額療養費 支給 of `benefit` yen decided for H1's month (its householder P1 of `age`), version 1."""
    from kokuho.access.records import Actor
    from kokuho.benefits.benefit_ports import NewVersion
    from kokuho.records.benefits import DynamoBenefitStore

    case = {"service_month": month, "household": {"members": [{"id": "P1", "age": age, "bills": [{"copay": 1}]}]}}
    doc = {"household_id": "H1", "service_month": month, "version": 1, "run_id": "t", "kind": "支給",
           "result": {"benefit": benefit}, "difference": benefit, "case": case}
    DynamoBenefitStore().commit([NewVersion("H1", month, 1, "h", benefit, benefit, doc)], persons=["P1"],
                                actor=Actor("system:test", "t", "test"), chain="test")


def item_counts(*logicals: str) -> dict[str, int]:
    # Read from the embedded AWS's own store: no API call, so a fuzz example costs what the request costs.
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from kokuho.platform.tables import table

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][AWS_REGION]
    return {lg: len(backend.get_table(table(lg).name())) for lg in logicals}


_CLIENTS: dict[str, Any] = {}


def _client() -> Any:
    if "ddb" not in _CLIENTS:
        _CLIENTS["ddb"] = boto3.client("dynamodb", region_name=AWS_REGION)
    return _CLIENTS["ddb"]


def all_table_text() -> str:
    client = boto3.client("dynamodb", region_name=AWS_REGION)
    out = []
    for spec in TABLES:
        pages = client.get_paginator("scan").paginate(TableName=spec.name())
        for page in pages:
            out.append(json.dumps(page["Items"], ensure_ascii=False))
    return "\n".join(out)


@pytest.fixture
def staffed(embedded: None) -> None:
    seed_staff()


def call_iam(method: str, path: str, **kw: Any) -> tuple[int, dict[str, Any], dict[str, Any]]:
    return call(method, path, auth="iam", **kw)
