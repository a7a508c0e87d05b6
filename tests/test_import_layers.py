"""What may import what (docs/architecture.md, "Layers"), read from the source with `ast`.

Every import counts, at module level or inside a function: a lazy import ships and runs just the same.
The known exceptions are listed with their reason; a new one fails here and has to be argued for.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "layers" / "kokuho" / "python"
LOCAL = ROOT / "local"

# Pure domain logic: computes from its inputs, free of AWS (house rule), testable without moto.
DOMAIN = ("kokuho.premium", "kokuho.benefits", "kokuho.collection", "kokuho.trail", "kokuho.dates", "kokuho.notices",
          "kokuho.health")
# What the domain may use from the rest of kokuho, and why. Each is itself free of AWS (checked below).
DOMAIN_MAY_IMPORT = {
    ("kokuho.premium", "kokuho.identity.mynumber"): "a case's free-text field holding a My Number is refused",
    ("kokuho.benefits", "kokuho.identity.mynumber"): "a case's free-text field holding a My Number is refused",
    ("kokuho.collection", "kokuho.identity.mynumber"): "a payment file's id field holding a My Number is refused",
    ("kokuho.collection", "kokuho.intake.framing"): "payment files are framed like every intake file (one rule)",
    ("kokuho.benefits", "kokuho.intake.framing"): "receipt files are framed like every intake file (one rule)",
    ("kokuho.notices", "kokuho.identity.mynumber"): "a notice's text field holding a My Number is refused",
    ("kokuho.health", "kokuho.identity.mynumber"): "an attendance file's person id holding a My Number is refused",
    ("kokuho.health", "kokuho.intake.framing"): "attendance files are framed like every intake file (one rule)",
    ("kokuho.trail", "kokuho.platform.catalog"): "a detection names the catalog's functions (no second copy)",
    ("kokuho.trail", "kokuho.platform.tables"): "`${table:…}` in a detection resolves from the one table list",
    ("kokuho.trail", "kokuho.identity.mynumber"): "a finding's principal or event id holding a My Number is redacted",
    ("kokuho.trail", "kokuho.identity.redaction"): "… by the one redaction (trail scan prints no My Number)",
    ("kokuho.dates", "kokuho.access.run_inputs"): "a refused day or month is the one InputRefused (never retried)",
    ("kokuho.benefits", "kokuho.access.run_inputs"): "the benefit run's input refused is the one InputRefused",
    ("kokuho.collection", "kokuho.platform.csv_cells"): "the 収納率 CSV's cells by the one CSV-injection rule (pure)",
    ("kokuho.health", "kokuho.platform.csv_cells"): "the 受診率 CSV's cells by the one CSV-injection rule (pure)",
}
AWS_SDKS = ("boto3", "botocore", "pynamodb", "moto", "aws_lambda_powertools", "aws_cdk", "constructs", "cdk_nag")

# The local platform (local/kokuho_local: embedded AWS, loopback API, sandbox, synthetic city, demo) is
# a development package outside the layer. Nothing in the layer or in functions/ imports it or moto.
LOCAL_PACKAGE = "kokuho_local"
# Within it, moto is patched or driven by these modules only (the patches stay in one place).
KNOWN_MOTO_IMPORTERS = {
    "kokuho_local.embedded": "starts moto (mock_aws, ThreadedMotoServer) and provisions it",
    "kokuho_local.moto_dynamodb": "patches moto's DynamoDB (thread safety, rollback, O(items) queries)",
    "kokuho_local.local_lambda": "routes moto's Lambda invocations to the handlers in-process",
    "kokuho_local.moto_kms": "patches moto's KMS (private keys generated when first used)",
    "kokuho_local.moto_stepfunctions": "patches moto's Step Functions (a valid definition parsed once)",
    "kokuho_local.capacity_meter": "meters moto's DynamoDB requests in capacity units (benchmarks only)",
}


def _name(path: Path) -> str:
    if path.is_relative_to(LAYER):
        parts = list(path.relative_to(LAYER).with_suffix("").parts)
    elif path.is_relative_to(LOCAL):
        parts = list(path.relative_to(LOCAL).with_suffix("").parts)
    else:  # a handler: functions/<area>/<file>.py, imported on Lambda as <area>.<file>
        parts = ["functions", *path.relative_to(ROOT / "functions").with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def imports() -> dict[str, frozenset[str]]:
    """module → every module it imports (relative imports resolved)."""
    files = [*sorted((LAYER / "kokuho").rglob("*.py")), *sorted((LOCAL / LOCAL_PACKAGE).rglob("*.py")),
             *sorted((ROOT / "functions").rglob("*.py"))]
    graph: dict[str, frozenset[str]] = {}
    for path in files:
        name = _name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                found.add(base)
                # `from kokuho.x import y` may name a submodule y
                found.update(f"{base}.{alias.name}" for alias in node.names)
        graph[name] = frozenset(found)
    return graph


def _within(module: str, prefixes: tuple[str, ...] | str) -> bool:
    if isinstance(prefixes, str):
        prefixes = (prefixes,)
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _parents(modules: frozenset[str]) -> frozenset[str]:
    return frozenset(".".join(m.split(".")[:i]) for m in modules for i in range(1, m.count(".") + 1))


def test_the_scan_sees_the_house() -> None:
    graph = imports()
    assert {"kokuho.premium.engine", "kokuho_local.embedded", "functions.qualification.api"} <= graph.keys()
    assert "kokuho.cli.main" in graph["kokuho_local.cli.main"]
    assert "kokuho.identity.mynumber" in graph["kokuho.premium.case"]
    assert "functions.qualification.responses" in graph["functions.qualification.api"]  # relative, resolved


def test_domain_packages_import_no_aws_and_only_listed_kokuho_modules() -> None:
    wrong = []
    for module, targets in imports().items():
        if not _within(module, DOMAIN):
            continue
        package = ".".join(module.split(".")[:2])
        for target in sorted(targets):
            if _within(target, AWS_SDKS):
                wrong.append(f"{module} imports {target} (AWS in the domain)")
            elif _within(target, "kokuho") and not _within(target, DOMAIN) and not any(
                    p == package and _within(target, allowed) for p, allowed in DOMAIN_MAY_IMPORT):
                wrong.append(f"{module} imports {target} (not domain, not in DOMAIN_MAY_IMPORT)")
    assert not wrong, "\n".join(wrong)


def test_nothing_the_domain_reaches_imports_aws() -> None:
    """Transitively: the modules the domain may use must stay pure too (e.g. the catalog gaining boto3)."""
    graph = imports()
    wrong = []
    for start in (m for m in graph if _within(m, DOMAIN)):
        seen, todo = {start}, [start]
        while todo:
            current = todo.pop()
            # importing a.b.c runs a/__init__ and a/b/__init__ first
            for target in graph[current] | _parents(graph[current]):
                if _within(target, AWS_SDKS):
                    wrong.append(f"{start} reaches {target} through {current}")
                elif target in graph and target not in seen:
                    seen.add(target)
                    todo.append(target)
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_only_the_known_local_platform_modules_import_moto() -> None:
    importers = {m for m, targets in imports().items() if any(_within(t, "moto") for t in targets)}
    assert importers == set(KNOWN_MOTO_IMPORTERS), (
        f"new importer(s) of moto: {sorted(importers - set(KNOWN_MOTO_IMPORTERS))}; "
        f"no longer importing it (drop from the list): {sorted(set(KNOWN_MOTO_IMPORTERS) - importers)}")


def test_neither_the_layer_nor_the_handlers_import_moto_or_the_local_package() -> None:
    """What ships (the layer, functions/) never reaches the embedded AWS, the sandbox, the synthetic
    city or the demo; tests/test_layer_contents.py checks the built layer itself."""
    graph = imports()
    wrong = [f"{m} imports {t}" for m, targets in graph.items() if _within(m, ("kokuho", "functions"))
             for t in sorted(targets) if _within(t, ("moto", LOCAL_PACKAGE))]
    assert not wrong, "\n".join(wrong)


def test_handlers_use_the_layer_not_the_command_line_nor_the_table_models() -> None:
    """Handlers are thin: they call the layer's services (which write the access records), never the
    pynamodb models of kokuho.records directly, nor the command line."""
    wrong = [f"{m} imports {t}" for m, targets in imports().items() if _within(m, "functions")
             for t in sorted(targets) if _within(t, ("kokuho.cli", "kokuho.records", "infra", LOCAL_PACKAGE))]
    assert not wrong, "\n".join(wrong)


def test_the_layer_imports_neither_handlers_nor_the_cdk_app() -> None:
    wrong = [f"{m} imports {t}" for m, targets in imports().items()
             if _within(m, "kokuho")  # the layer; `kokuho synth` lives in kokuho_local.cli.synth
             for t in sorted(targets) if _within(t, ("functions", "infra", "aws_cdk", "constructs", "cdk_nag"))]
    assert not wrong, "\n".join(wrong)


# -- storage behind ports (issue 10 item 4) ----------------------------------------------------------

# The use cases of the monthly assessment, the federation file intake, the network exchanges, the My
# Number vault, the information file and the access area reach storage only through their ports
# (kokuho.assessment.ports, kokuho.linkage.federation_ports, .exchange_ports, kokuho.identity.vault_ports,
# kokuho.qualification.ports, kokuho.access.ports; S3, KMS and Step Functions are handed in as clients):
# no table model, no AWS SDK — their unit tests run on in-memory fakes (tests/fakes/).
USE_CASES = ("kokuho.assessment.ports", "kokuho.assessment.run_input", "kokuho.assessment.selection",
             "kokuho.assessment.batch", "kokuho.assessment.compute", "kokuho.assessment.summary",
             "kokuho.assessment.care_transfer", "kokuho.assessment.versions",
             "kokuho.linkage.federation_codec", "kokuho.linkage.federation_ports", "kokuho.linkage.federation_apply",
             "kokuho.linkage.federation_files", "kokuho.linkage.codes", "kokuho.linkage.code_ports",
             "kokuho.linkage.transfers", "kokuho.linkage.transfer_ports",
             # the network exchanges: provision, query, the 情報提供等記録 and their retention
             # (kokuho.linkage.exchange_ports; wired to kokuho.records.linkage_exchange)
             "kokuho.linkage.exchange_ports", "kokuho.linkage.provision", "kokuho.linkage.query",
             "kokuho.linkage.exchange_records", "kokuho.linkage.retention",
             # retention of every class: the data and rule, the S3 classes (client handed in), the run
             "kokuho.retention.classes", "kokuho.retention.objects", "kokuho.retention.run",
             "kokuho.retention.holds", "kokuho.retention.hold_ports",
             # the table classes and the access records' purge (kokuho.retention.table_ports; wired to
             # kokuho.records.retention_tables in kokuho.retention.wiring)
             "kokuho.retention.table_ports", "kokuho.retention.table_rules", "kokuho.retention.tables",
             "kokuho.retention.access_records",
             "kokuho.identity.vault_ports", "kokuho.identity.vault_service",
             "kokuho.identity.keyed_hash",
             # the information file (資格管理): its port, the registrations and reads, and the pure rules
             # they apply; wired to kokuho.records.qualification_store in kokuho.qualification.application
             "kokuho.qualification.ports", "kokuho.qualification.registrations", "kokuho.qualification.reads",
             "kokuho.qualification.errors", "kokuho.qualification.service", "kokuho.qualification.history",
             "kokuho.qualification.household", "kokuho.qualification.model", "kokuho.qualification.reasons",
             # the access area: authorize, the login sessions, the volume limits, the security team's
             # searches (kokuho.access.ports; wired to kokuho.records.access_store in kokuho.access.stores)
             "kokuho.access.ports", "kokuho.access.grants", "kokuho.access.staff", "kokuho.access.sessions",
             "kokuho.access.limits", "kokuho.access.search", "kokuho.access.chain", "kokuho.access.actor",
             # the access-record writer (record_access: chained, hashed, indexed by subject) joins the
             # callers' pending writes through its port (AccessRecordStore; kokuho.records.access_log)
             "kokuho.access.records", "kokuho.access.subject_index",
             # the access log's daily export and its signed digests (S3 and KMS handed in as clients)
             "kokuho.access.export", "kokuho.access.digest",
             # the request desk (開示・訂正・利用停止) and the 利用停止 check every use makes
             # (kokuho.requests.ports; wired to kokuho.records.requests in kokuho.requests.wiring)
             "kokuho.requests.ports", "kokuho.requests.model", "kokuho.requests.workflow",
             "kokuho.requests.disclosure", "kokuho.requests.suspension", "kokuho.requests.honoured",
             "kokuho.requests.pdf",
             # found clean when item 4 was finished: the city files' rules, the premium cases' intake, the
             # federation export, who the caller is (kokuho.access.identity, .run_identity)
             "kokuho.intake.framing", "kokuho.intake.residents", "kokuho.intake.tax", "kokuho.intake.welfare",
             "kokuho.intake.care", "kokuho.intake.pension", "kokuho.assessment.intake",
             "kokuho.linkage.federation_export", "kokuho.access.identity", "kokuho.access.run_identity",
             # collection on AWS: the payment intake, the overpayment, reminder, arrears, statistics, pension and
             # notice runs (kokuho.collection.ports, .pension_ports; wired to kokuho.records.collection,
             # .pension_targets and .notice_files in kokuho.payments.wiring)
             "kokuho.payments.service", "kokuho.payments.arrears_service", "kokuho.payments.notice_service",
             "kokuho.payments.pension_service", "kokuho.payments.accounts", "kokuho.payments.assessment_notices",
             # the city files applied (kokuho.intake.ports; wired to kokuho.records.intake_files in
             # kokuho.intake.wiring; the persons through kokuho.qualification.application's port)
             "kokuho.intake.ports", "kokuho.intake.apply",
             # the health programmes' runs: the 特定健診受診券 and the 医療費通知 (kokuho.health.ports,
             # kokuho.benefits.receipt_ports; wired in kokuho.programmes.wiring, the parts by kokuho.payments.wiring)
             "kokuho.programmes.vouchers", "kokuho.programmes.medical_cost_notices",
             # the receipt files taken in (kokuho.benefits.receipt_ports; wired in kokuho.receipts.wiring)
             "kokuho.receipts.files",
             # the 高額療養費 payment run (kokuho.benefits.payment_ports; wired in kokuho.receipts.wiring, the ledgers
             # and the files by kokuho.payments.wiring, the persons through the information file's port)
             "kokuho.receipts.benefit_payment")
# Routes of the private API reach storage through the same ports; they are built on powertools' Router (the
# API's own library), so only the table models and the AWS SDK are kept out of them.
ROUTES_BEHIND_PORTS = ("kokuho.payments.routes", "kokuho.payments.arrears_routes", "kokuho.payments.notice_routes",
                       "kokuho.programmes.routes", "kokuho.receipts.claim_routes", "kokuho.receipts.benefit_routes",
                       "kokuho.retention.routes")
# The adapters (kokuho.records) sit below the services: they may use the platform, each other, the pure
# domain and a service's ports (the types they implement), nothing else of the services — listed with
# the reason.
RECORDS_MAY_IMPORT = {
    ("kokuho.records", "kokuho.access.records"): "a change's access record joins the adapter's own transaction",
    ("kokuho.records", "kokuho.access.actor"): "who acts, named in the access records",
    ("kokuho.records.qualification", "kokuho.qualification.model"): "items map to the qualification dataclasses",
    ("kokuho.records.qualification", "kokuho.qualification.history"): "items map to the qualification periods",
    ("kokuho.records.linkage_transfers", "kokuho.linkage.transfers"): "applications map to its Application value",
    ("kokuho.records.access_store", "kokuho.access.staff"): "staff and grants map to these values",
    ("kokuho.records.access_store", "kokuho.access.chain"):
        "the log's verification answers in the chain's values (Anchor, ChainBreak: pure)",
    ("kokuho.records.access_log", "kokuho.access.subject_index"):
        "the writer's adapter stores each record's index entries as the index defines them (pure)",
    ("kokuho.records.retention_tables", "kokuho.access.subject_index"):
        "the retention purge deletes a record's index entries where the index puts them (pure layout)",
    ("kokuho.records.access_store", "kokuho.access.subject_index"):
        "the subject index's key prefix is defined with its entries' layout (kokuho.access.subject_index)",
    ("kokuho.records.qualification_store", "kokuho.qualification.model"): "the port reads and writes these values",
    ("kokuho.records.requests", "kokuho.requests.model"): "requests and inquiries are stored as the model's documents",
    ("kokuho.records.search_index", "kokuho.qualification.model"): "a person's index items are made from a Person",
    ("kokuho.records.search_index", "kokuho.qualification.search_tokens"):
        "the index keys are these keyed hashes (pure: what is hashed, and the directories' prefixes)",
    ("kokuho.records.search_index", "kokuho.identity.keyed_hash"):
        "the search-index secret is made, stored wrapped and opened as the My Number keyed hash's (one way)",
    ("kokuho.records.qualification_store", "kokuho.qualification.service"):
        "a registered change is written as the pure rules produced it (Change, Entry)",
}


def _ports_module(target: str) -> bool:
    """kokuho.<area>.ports or kokuho.<area>.<feature>_ports (and what they define)."""
    return any(part == "ports" or part.endswith("_ports") for part in target.split(".")[2:3])


def test_use_cases_reach_storage_only_through_their_ports() -> None:
    wrong = [f"{m} imports {t}" for m, targets in imports().items() if m in USE_CASES
             for t in sorted(targets) if _within(t, ("kokuho.records", *AWS_SDKS))]
    assert set(USE_CASES) <= imports().keys()
    assert not wrong, "\n".join(wrong)


def test_routes_reach_storage_only_through_their_ports() -> None:
    kept_out = ("kokuho.records", *(sdk for sdk in AWS_SDKS if sdk != "aws_lambda_powertools"))
    wrong = [f"{m} imports {t}" for m, targets in imports().items() if m in ROUTES_BEHIND_PORTS
             for t in sorted(targets) if _within(t, kept_out)]
    assert set(ROUTES_BEHIND_PORTS) <= imports().keys()
    assert not wrong, "\n".join(wrong)


def test_records_import_no_service_but_its_ports() -> None:
    wrong = []
    for module, targets in imports().items():
        if not _within(module, "kokuho.records"):
            continue
        for target in sorted(targets):
            if (_within(target, "kokuho") and not _within(target, ("kokuho.records", "kokuho.platform", *DOMAIN))
                    and not _ports_module(target)
                    and not any(_within(module, m) and _within(target, t) for m, t in RECORDS_MAY_IMPORT)):
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(wrong)


# Imports that ran backwards (issue 10 item 4): a lower layer reaching into an area above it.
BACKWARDS = {
    # the platform (what is deployed, logging) is below every area; the local platform that imported
    # kokuho.identity (local_lambda) lives in kokuho_local now
    "kokuho.platform": ("kokuho.identity", "kokuho.qualification", "kokuho.assessment", "kokuho.linkage",
                        "kokuho.access", "kokuho.records", "kokuho.cli", "kokuho.intake", "kokuho.requests"),
    "kokuho.identity": ("kokuho.qualification", "kokuho.assessment", "kokuho.linkage", "kokuho.cli"),
    "kokuho.qualification": ("kokuho.assessment",),  # cases are written through kokuho.records.household_cases
    "kokuho.access": ("kokuho.qualification", "kokuho.assessment", "kokuho.linkage", "kokuho.cli"),
}


KNOWN_BACKWARDS = {
    ("kokuho.platform.observability", "kokuho.identity.redaction"):
        "every logger carries the My Number redaction filter (a pure module, no AWS)",
    ("kokuho.platform.exchange", "kokuho.identity.mynumber"):
        "a delivered file named with a My Number is never taken: the one scan, where every intake lists (pure)",
}


def test_no_import_runs_backwards() -> None:
    wrong = [f"{m} imports {t}" for m, targets in imports().items() for low, high in BACKWARDS.items()
             if _within(m, low) for t in sorted(targets) if _within(t, high)
             and not any(m == km and _within(t, kt) for km, kt in KNOWN_BACKWARDS)]
    assert not wrong, "\n".join(wrong)


# Still optional, with the reason; the list only shrinks.
KNOWN_OPTIONAL: dict[str, str] = {}


def test_no_kokuho_import_is_optional() -> None:
    """`try: import … except ImportError` hides a dependency (and a missing area) from this scan and from
    the reader: every module of kokuho is always installed."""
    wrong = []
    for path in sorted((LAYER / "kokuho").rglob("*.py")) + sorted((ROOT / "functions").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Try) or not any(
                    isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                    or isinstance(h.type, ast.Tuple) and any(isinstance(e, ast.Name) and e.id == "ImportError"
                                                             for e in h.type.elts)
                    for h in node.handlers):
                continue
            for inner in (n for stmt in node.body for n in ast.walk(stmt)):
                if (isinstance(inner, ast.ImportFrom) and _name(path) not in KNOWN_OPTIONAL
                        and (inner.level or (inner.module or "").startswith("kokuho"))):
                    wrong.append(f"{_name(path)}:{inner.lineno} imports {inner.module} behind except ImportError")
    assert not wrong, "\n".join(wrong)
