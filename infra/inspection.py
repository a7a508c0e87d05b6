"""`kokuho inspect`: the yearly self-inspection (自己点検, assessment IV-1), one row per protection of the
target architecture's table ("Where each protection of the assessment lives", docs/architecture.md of the
specification): the protection, the evidence found — a resource and its setting in the synthesized
templates, a value of the running configuration (the shipped data files and rules, exercised here), or
the test that proves it — and pass/fail. A row fails when any of its evidence is missing or wrong.

The checks read; they change nothing and call no AWS. Templates come from a synthesis (or a cloud assembly
already written, `--cdk-out`).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
Templates = dict[str, dict[str, Any]]


@dataclass
class Row:
    section: str
    protection: str
    status: str = "pass"
    evidence: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"section": self.section, "protection": self.protection, "status": self.status,
                "evidence": self.evidence}


class _Check:
    """Collects a row's evidence: each claim says what was looked at and whether it held."""

    def __init__(self, row: Row) -> None:
        self.row = row

    def claim(self, held: bool, text: str) -> None:
        self.row.evidence.append(("" if held else "FAILED: ") + text)
        if not held:
            self.row.status = "fail"

    def test(self, *node_ids: str) -> None:
        for node_id in node_ids:
            self.claim(_test_exists(node_id), f"test {node_id}")


@cache
def _test_functions(path: str) -> frozenset[str]:
    file = REPO / path
    if not file.is_file():
        return frozenset()
    tree = ast.parse(file.read_text(encoding="utf-8"))
    return frozenset(n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                     and n.name.startswith("test_"))


def _test_exists(node_id: str) -> bool:
    path, _, name = node_id.partition("::")
    return name in _test_functions(path) if name else (REPO / path).exists()


def _resources(templates: Templates, kind: str) -> dict[str, dict[str, Any]]:
    return {f"{stack}/{lid}": r for stack, t in templates.items()
            for lid, r in t.get("Resources", {}).items() if r.get("Type") == kind}


def _statements(templates: Templates) -> Iterable[tuple[str, dict[str, Any]]]:
    for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role"):
        for name, r in _resources(templates, kind).items():
            props = r.get("Properties", {})
            docs = [props.get("PolicyDocument")] + [p.get("PolicyDocument") for p in props.get("Policies", [])]
            for doc in docs:
                for st in (doc or {}).get("Statement", []):
                    yield name, st


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _is_retention_purge(logical_id: str) -> bool:
    """The retention purge's own data-access policy (infra/constructs/functions.py names it after the function)."""
    return "/Functionslinkageretentionpurge" in logical_id


def _touches(st: dict[str, Any], table: str) -> bool:
    return st.get("Effect") == "Allow" and f"table/{table}" in json.dumps(st.get("Resource"))


# --- the rows -------------------------------------------------------------------------------------------


def _intake(c: _Check, t: Templates) -> None:
    from kokuho.premium.case import validate_case
    from kokuho.premium.errors import CaseError

    member = {"id": "P1", "birth_date": "1975-06-15", "insured": [{"from": "2024-04-01", "until": None}],
              "income": {"total": 0, "salary": 0, "pension": 0, "declared": True},
              "salary_or_pension_earner": False, "involuntary_unemployment": None, "expected_birth": None,
              "specific_same_household": False}
    case = {"fiscal_year": 2024, "household": {"householder_id": "P1", "specific_household": None,
                                               "members": [member]}}
    validate_case(case)  # the well-formed case passes: the refusal below is for the unknown field alone
    try:
        validate_case({**case, "nickname": "x"})
        refused = False
    except CaseError:
        refused = True
    c.claim(refused, "a case with an unknown field is refused, a well-formed one accepted "
                     "(kokuho.premium.case.validate_case, run now)")
    c.test("tests/e2e/test_case_intake.py")


def _masking(c: _Check, t: Templates) -> None:
    from kokuho.identity.mynumber import mask

    digits = "".join(str((7 * i + 3) % 10) for i in range(11))
    shown = mask(digits + "0")
    c.claim(sum(ch.isdigit() for ch in shown) <= 4, f"kokuho.identity.mynumber.mask shows at most 4 digits ({shown!r})")
    from kokuho.platform.tables import table

    name = table("mynumber").default_name
    users = sorted({who for who, st in _statements(t) if _touches(st, name)})
    c.claim(len(users) >= 1 and all("vault" in u.lower() or "Vault" in u for u in users),
            f"only the vault function's role reaches table {name}: {users}")


def _purpose(c: _Check, t: Templates) -> None:
    fns = [r["Properties"].get("FunctionName", "") for r in _resources(t, "AWS::Lambda::Function").values()]
    api = sorted(f for f in fns if f.startswith("kokuho-qualification-api-"))
    c.claim(len(api) >= 2, f"the private API is {len(api)} functions, one role per concern: {api}")
    c.test("tests/infra/test_infra_least_privilege.py",
           "tests/integration/qualification/test_qualification_authz.py::test_route_by_role_matrix")


def _grants(c: _Check, t: Templates) -> None:
    from datetime import date, timedelta

    from kokuho.access.grants import Function, decide
    from kokuho.access.staff import Grant, StaffMember

    day = date(2026, 4, 1)
    member = StaffMember("S-INSPECT", "点検", "保険年金課", day - timedelta(days=365), None)
    grant = Grant("S-INSPECT", "G-1", Function.READ_QUALIFICATION.value, "資格管理", "国保法第9条", "保険年金課",
                  day, day + timedelta(days=30), "S-ADMIN", day.isoformat())
    outcomes = {
        "no grant": decide(member, [], Function.READ_QUALIFICATION, day).allowed,
        "within its period": decide(member, [grant], Function.READ_QUALIFICATION, day).allowed,
        "after its last day": decide(member, [grant], Function.READ_QUALIFICATION, day + timedelta(days=31)).allowed,
        "another function": decide(member, [grant], Function.REVEAL_MY_NUMBER, day).allowed,
        "after a move": decide(StaffMember("S-INSPECT", "点検", "税務課", member.active_from, None), [grant],
                               Function.READ_QUALIFICATION, day).allowed,
        "shared id": decide(StaffMember("S-INSPECT", "共用", "保険年金課", member.active_from, None, kind="shared"),
                            [grant], Function.READ_QUALIFICATION, day).allowed,
    }
    c.claim(outcomes == {k: k == "within its period" for k in outcomes},
            "deny by default; allowed only by an active grant of that function for the member's department, "
            f"ending by itself (kokuho.access.grants.decide, run now: {outcomes})")
    limits = json.loads((REPO / "layers/kokuho/python/kokuho/data/api/limits.v1.json").read_text())
    c.claim(bool(limits), "per-staff, per-function volume limits configured (kokuho/data/api/limits.v1.json)")
    c.test("tests/integration/qualification/test_qualification_authz.py")


def _access_log(c: _Check, t: Templates) -> None:
    from kokuho.platform.tables import TABLES

    trails = list(_resources(t, "AWS::CloudTrail::Trail").values())
    c.claim(len(trails) == 1, f"{len(trails)} CloudTrail trail(s)")
    if trails:
        text = json.dumps(trails[0]["Properties"].get("AdvancedEventSelectors", []))
        missing = [s.default_name for s in TABLES if f"table/{s.default_name}" not in text]
        c.claim(not missing, f"data events selected for every table ({len(TABLES)}); missing: {missing}")
    c.test("tests/integration/access/test_access_records.py")


def _copying(c: _Check, t: Templates) -> None:
    import sys

    if str(REPO / "functions") not in sys.path:
        sys.path.append(str(REPO / "functions"))
    from qualification.api import ROUTES

    bulk = [f"{r.method} {r.path}" for r in ROUTES if re.search(r"export|csv|bulk|dump", r.path, re.I)]
    c.claim(not bulk, f"no bulk or CSV export route among the API's {len(ROUTES)} routes {bulk or ''}".rstrip())
    stages = _resources(t, "AWS::ApiGateway::Stage")
    throttled = [s for s in stages.values() if any("ThrottlingRateLimit" in m for m in
                                                    s["Properties"].get("MethodSettings", []))]
    c.claim(bool(throttled), "the API stage throttles requests (MethodSettings ThrottlingRateLimit)")


def _transfers(c: _Check, t: Templates) -> None:
    from kokuho.linkage.transfers import load_matrix

    matrix = load_matrix()
    c.claim(bool(matrix), "transfer matrix loaded (kokuho/data/linkage/transfers.v1.json)")
    c.test("tests/integration/linkage/test_linkage_federation_and_transfers.py")


def _permitted(c: _Check, t: Templates) -> None:
    from kokuho.linkage.permitted_list import load_permitted_list

    permitted = load_permitted_list()
    items = permitted.provision_items()
    held = [i for i in items if not i.auto_response]
    c.claim(bool(items) and bool(held), f"permitted list: {len(items)} provision items, {len(held)} 自動応答不可 "
                                        f"held for a person; queries {list(permitted.query_items)}")
    machines = [r["Properties"].get("StateMachineName", "")
                for r in _resources(t, "AWS::StepFunctions::StateMachine").values()]
    c.claim("kokuho-linkage-provision" in machines, "state machine kokuho-linkage-provision deployed")


def _encryption_to_requester(c: _Check, t: Templates) -> None:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    from kokuho.linkage.crypto import DecryptionFailed, b64e, decrypt_with, encrypt_for

    raw = Encoding.Raw
    keys = [X25519PrivateKey.generate() for _ in range(2)]
    privs = [k.private_bytes(raw, PrivateFormat.Raw, NoEncryption()) for k in keys]
    envelope = encrypt_for(b64e(keys[0].public_key().public_bytes(raw, PublicFormat.Raw)), b"inspection", b"aad")
    ok = decrypt_with(privs[0], envelope, b"aad") == b"inspection"
    try:
        decrypt_with(privs[1], envelope, b"aad")
        wrong_refused = False
    except DecryptionFailed:
        wrong_refused = True
    c.claim(ok and wrong_refused, "a reply encrypted to the requester's key opens with it and not with another "
                                  "(kokuho.linkage.crypto, run now)")


def _codes(c: _Check, t: Templates) -> None:
    from kokuho.linkage.fields import NhiFields

    names = list(NhiFields.model_fields)
    c.claim(not [n for n in names if re.search(r"my_?number|kojin|個人番号", n, re.I)],
            f"the linkage payload's fields ({len(names)}, closed: extra fields refused) hold no My Number")
    c.test("tests/integration/linkage/test_linkage_mynumber_shapes.py")


def _closed_network(c: _Check, t: Templates) -> None:
    for kind in ("AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EIP"):
        found = _resources(t, kind)
        c.claim(not found, f"no {kind}")
    lambdas = _resources(t, "AWS::Lambda::Function")
    outside = [n for n, r in lambdas.items() if "VpcConfig" not in r["Properties"]]
    c.claim(not outside, f"every Lambda ({len(lambdas)}) in the VPC; outside: {outside}")
    tables = _resources(t, "AWS::DynamoDB::Table")
    plain = [n for n, r in tables.items() if r["Properties"].get("SSESpecification", {}).get("SSEType") != "KMS"]
    c.claim(not plain, f"every table ({len(tables)}) on a KMS key; not: {plain}")
    from infra.settings import JAPAN_REGIONS

    regions = sorted(set(re.findall(r"arn:aws:[a-z0-9-]+:([a-z]{2}-[a-z]+-\d):", json.dumps(t))))
    c.claim(bool(regions) and set(regions) <= JAPAN_REGIONS,
            f"every regional ARN in the templates is in {regions} (allowed: {sorted(JAPAN_REGIONS)})")
    c.test("tests/infra/test_infra_guards.py", "tests/infra/test_infra_network.py")


def _up_to_date(c: _Check, t: Templates) -> None:
    c.test("tests/integration/qualification/test_qualification_api.py")


def _scheduled_machines(t: Templates) -> set[str]:
    """Names of the state machines an EventBridge Scheduler schedule starts."""
    names = {lid: r["Properties"].get("StateMachineName", "") for stack in t.values()
             for lid, r in stack.get("Resources", {}).items() if r.get("Type") == "AWS::StepFunctions::StateMachine"}
    targets = [r["Properties"]["Target"]["Arn"] for r in _resources(t, "AWS::Scheduler::Schedule").values()]
    return {names.get(a["Ref"], "") if isinstance(a, dict) and "Ref" in a else str(a) for a in targets}


def _retention(c: _Check, t: Templates) -> None:
    purges = sorted(m for m in _scheduled_machines(t) if "retention" in m)
    c.claim(bool(purges), f"a retention purge is scheduled (EventBridge Scheduler): {purges}")
    ttl = [r["Properties"]["TableName"] for r in _resources(t, "AWS::DynamoDB::Table").values()
           if r["Properties"].get("TimeToLiveSpecification", {}).get("Enabled")]
    c.claim(bool(ttl), f"TTL on {sorted(ttl)}")


def _provable(c: _Check, t: Templates) -> None:
    from kokuho.platform.tables import AUDIT_BUCKET, table

    locked = [r["Properties"] for r in _resources(t, "AWS::S3::Bucket").values()
              if r["Properties"].get("ObjectLockConfiguration", {}).get("Rule", {}).get("DefaultRetention", {})
              .get("Mode") == "COMPLIANCE"]
    c.claim(len(locked) == 1 and AUDIT_BUCKET.logical in json.dumps(locked[0].get("BucketName")),
            "the audit bucket is under Object Lock, compliance mode "
            f"({locked[0]['ObjectLockConfiguration']['Rule']['DefaultRetention'].get('Days') if locked else '-'} days)")
    name = table("access_log").default_name
    writes = {(who, a) for who, st in _statements(t) if _touches(st, name) for a in _as_list(st.get("Action"))
              if a in ("dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:*")}
    # The one exception (docs/retention.md): the retention purge deletes records past their period, item by
    # item, only below a chain's floor that a signed digest has anchored — never an update, never a batch.
    purge = {(who, a) for who, a in writes if _is_retention_purge(who) and a == "dynamodb:DeleteItem"}
    others = sorted(writes - purge)
    c.claim(not others, f"no role may update or delete access records (table {name}), but the retention purge's "
            f"DeleteItem below a signed floor ({sorted(w for w, _ in purge)}); found: {others}")
    trails = list(_resources(t, "AWS::CloudTrail::Trail").values())
    c.claim(bool(trails) and all(tr["Properties"].get("EnableLogFileValidation") for tr in trails),
            "CloudTrail log file validation on")
    c.test("tests/integration/access/test_access_digests.py")


def _disguised(c: _Check, t: Templates) -> None:
    from kokuho.identity.mynumber import check_digit, find_candidates

    first = "".join(str((3 * i + 1) % 10) for i in range(11))
    number = first + str(check_digit(first))
    wide = "".join(chr(0xFF10 + int(d)) for d in number)
    shapes = {"full-width": wide, "4-4-4 spaced": f"{number[:4]} {number[4:8]} {number[8:]}",
              "hyphenated": f"{number[:4]}-{number[4:8]}-{number[8:]}"}
    missed = [k for k, text in shapes.items() if not find_candidates(f"備考 {text} です")]
    c.claim(not missed, f"a number is found in every shape tried ({', '.join(shapes)}); missed: {missed}")


def _collection(c: _Check, t: Templates) -> None:
    from kokuho.platform.tables import table

    name = table("collection").default_name
    found = [r["Properties"] for r in _resources(t, "AWS::DynamoDB::Table").values()
             if r["Properties"].get("TableName") == name]
    c.claim(bool(found) and found[0].get("SSESpecification", {}).get("SSEType") == "KMS"
            and "KeyPersonal" in json.dumps(found[0]["SSESpecification"].get("KMSMasterKeyId")),
            f"table {name} on the personal-data key")
    c.test("tests/unit/collection")


def _self_inspection(c: _Check, t: Templates) -> None:
    from kokuho.trail.athena import load_queries
    from kokuho.trail.detections import load_detections
    from kokuho.trail.scan import check_detection

    detections = load_detections()
    failing = [f for d in detections for f in check_detection(d)]
    c.claim(not failing, f"{len(detections)} detections, their inline test records pass (run now)")
    deployed = {r["Properties"]["Name"] for r in _resources(t, "AWS::Athena::NamedQuery").values()}
    expected = {q.name for q in load_queries()}
    c.claim(deployed == expected, f"{len(deployed)} Athena named queries deployed, as shipped")
    c.claim(bool(_resources(t, "AWS::Athena::WorkGroup")), "Athena workgroup for the security team")
    c.claim("kokuho-access-export" in _scheduled_machines(t),
            "the access records exported daily for Athena (state machine kokuho-access-export, scheduled)")


def _requests(c: _Check, t: Templates) -> None:
    from datetime import date

    from kokuho.requests.model import receive

    req = receive("INSPECT", "P-INSPECT", "disclosure", date(2026, 4, 1), "S-INSPECT", "個人番号カード")
    c.claim(req.decide_by == date(2026, 5, 1), "a request is due for decision 30 days after receipt "
                                                "(kokuho.requests.model, run now)")
    c.test("tests/integration/requests/test_requests_workflow.py::"
           "test_a_disclosure_from_receipt_to_pdf_holds_only_the_persons_own_data")


# The rows of the specification's table, in its order: (assessment section, protection, check).
PROTECTIONS: tuple[tuple[str, str, Callable[[_Check, Templates], None]], ...] = (
    ("III-2 リスク1", "only the target's data; only the needed fields", _intake),
    ("III-2 リスク4, III-3 リスク2", "no My Number on search screens", _masking),
    ("III-3 リスク1", "no linking beyond purpose", _purpose),
    ("III-3 リスク2", "personal authentication; no shared IDs; grants with purpose and expiry; automatic "
                    "revocation; periodic permission list", _grants),
    ("III-3 リスク2", "access log of every access (time, user, terminal, data)", _access_log),
    ("III-3 リスク4", "no unauthorised copying", _copying),
    ("III-5 リスク1–3", "transfers recorded, approved, only permitted data to permitted recipients, validated",
     _transfers),
    ("III-6 リスク1,5,7", "only permitted queries; 自動応答不可 held; right data to the right requester", _permitted),
    ("III-6 リスク4,6", "encrypted so only the requester can decrypt", _encryption_to_requester),
    ("III-6 その他", "linkage uses 符号, never My Number", _codes),
    ("III-7 リスク1", "closed network; encryption at rest; domestic storage", _closed_network),
    ("III-7 リスク2", "up-to-date data", _up_to_date),
    ("III-7 リスク3", "deletion after retention", _retention),
    ("III-3 リスク2", "who did it, provable later", _provable),
    ("III-3 リスク3", "no exposure through disguised identifiers", _disguised),
    ("III-4, IV", "payments, arrears, refunds handled with the same protections", _collection),
    ("IV-1", "yearly self-inspection, audit", _self_inspection),
    ("V", "disclosure, correction, suspension requests; inquiries logged", _requests),
)


def inspect(templates: Templates) -> list[Row]:
    rows = []
    for section, protection, check in PROTECTIONS:
        row = Row(section, protection)
        try:
            check(_Check(row), templates)
        except Exception as exc:  # a check that cannot run is a failed row, named, not a crash
            row.status = "fail"
            row.evidence.append(f"FAILED: the check could not run: {type(exc).__name__}: {exc}")
        rows.append(row)
    return rows


def to_markdown(rows: list[Row]) -> str:
    lines = ["| assessment | protection | evidence | status |", "|---|---|---|---|"]
    for r in rows:
        evidence = "<br>".join(e.replace("|", "\\|") for e in r.evidence)
        status = "✅ pass" if r.status == "pass" else "❌ FAIL"
        lines.append(f"| {r.section} | {r.protection} | {evidence} | {status} |")
    failed = sum(r.status != "pass" for r in rows)
    lines.append("")
    lines.append(f"{len(rows)} protections, {len(rows) - failed} pass, {failed} fail")
    return "\n".join(lines)


def load_templates(cdk_out: Path) -> Templates:
    return {p.name.removesuffix(".template.json"): json.loads(p.read_text())
            for p in sorted(cdk_out.glob("*.template.json"))}
