"""The kokuho CDK app: `python infra/app.py` (or `kokuho synth`) writes cdk.out with no CDK CLI, no
Docker and no AWS account, and exits non-zero with the messages when a guard or a cdk-nag rule fails.

Stacks (one per concern): Data (keys, tables, buckets) → Network → Audit, Workflows, Api.
Dependencies only point that way; later stacks build table/bucket ARNs from the fixed names and
declare the stack dependency instead of importing them.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# `python infra/app.py` puts infra/ first on sys.path, where infra/constructs would shadow the
# `constructs` library; run from the repository root instead.
if sys.path and Path(sys.path[0]).resolve() == REPO / "infra":
    sys.path[0] = str(REPO)
elif str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from aws_cdk import App, Validations  # noqa: E402
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, ServerlessChecks  # noqa: E402

from infra.guards import add_guards  # noqa: E402
from infra.layer_build import build_layer, skip_deps_requested  # noqa: E402
from infra.nag_acknowledgements import AppliedAck, acknowledge  # noqa: E402
from infra.settings import alarm_subscription_from_context, settings_from_context  # noqa: E402
from infra.stacks.api import ApiRoute, ApiStack  # noqa: E402
from infra.stacks.audit import AuditStack  # noqa: E402
from infra.stacks.data import DataStack  # noqa: E402
from infra.stacks.network import NetworkStack  # noqa: E402
from infra.stacks.workflows import WorkflowsStack  # noqa: E402
from kokuho.platform.catalog.model import FunctionSpec, StateMachineSpec  # noqa: E402
from kokuho.platform.tables import DataClass  # noqa: E402

FUNCTIONS_ROOT = REPO / "functions"
STATEMACHINES_ROOT = REPO / "statemachines"
NAG_PACKS = (AwsSolutionsChecks, NIST80053R5Checks, HIPAASecurityChecks, ServerlessChecks)


@dataclass
class KokuhoApp:
    app: App
    data: DataStack
    network: NetworkStack
    audit: AuditStack
    workflows: WorkflowsStack
    api: ApiStack | None
    acknowledgements: list[AppliedAck] = field(default_factory=list)


def _context(context: Mapping[str, Any] | None) -> dict[str, Any]:
    ctx = json.loads((REPO / "cdk.json").read_text()).get("context", {})
    ctx.update(context or {})
    return ctx


def build_app(
    *, outdir: str | None = None, context: Mapping[str, Any] | None = None,
    functions: Sequence[FunctionSpec] | None = None, state_machines: Sequence[StateMachineSpec] | None = None,
    statemachines_root: Path = STATEMACHINES_ROOT, functions_root: Path = FUNCTIONS_ROOT, nag: bool = True,
) -> KokuhoApp:
    """Build (not synthesize) the app. `functions`/`state_machines` default to the real catalog."""
    if functions is None or state_machines is None:
        from kokuho.platform import catalog

        functions = catalog.FUNCTIONS if functions is None else functions
        state_machines = catalog.STATE_MACHINES if state_machines is None else state_machines
    app = App(outdir=outdir, context=_context(context))
    settings = settings_from_context(app)
    alarm_subscription = alarm_subscription_from_context(app)  # refused before any work when missing
    layer_root = build_layer(skip_deps=skip_deps_requested(app.node.try_get_context("kokuho:layerDeps")))

    data = DataStack(app, "KokuhoData", settings=settings, description="kokuho: KMS keys, tables, buckets")
    network = NetworkStack(
        app, "KokuhoNetwork", settings=settings, flow_log_key=data.keys[DataClass.AUDIT],
        gateway_prefix_lists=app.node.try_get_context("kokuho:gatewayPrefixLists"),
        description="kokuho: closed network (isolated subnets, VPC endpoints)")
    audit = AuditStack(
        app, "KokuhoAudit", settings=settings, audit_key=data.keys[DataClass.AUDIT],
        audit_bucket=data.audit_bucket, alarm_subscription=alarm_subscription,
        digest_key=data.signing_keys["access_digest"], access_log_bucket=data.access_log_bucket,
        description="kokuho: CloudTrail, security alarms")
    audit.add_stack_dependency(data)  # selectors name the tables/buckets by ARN built from their names

    api_specs = [f for f in functions if f.api]
    workflows = WorkflowsStack(
        app, "KokuhoWorkflows", settings=settings, functions=[f for f in functions if not f.api],
        state_machines=state_machines, vpc=network.vpc, subnets=network.subnets,
        security_group=network.workload_sg, keys=data.keys, signing_keys=data.signing_keys,
        functions_root=functions_root,
        layer_root=layer_root, statemachines_root=statemachines_root,
        description="kokuho: Lambda functions, state machines, schedules")
    workflows.add_stack_dependency(data)
    api: ApiStack | None = None
    if api_specs:  # no api function in the catalog yet: no API at all (nothing to front)
        api = ApiStack(
            app, "KokuhoApi", settings=settings, functions=api_specs, vpc=network.vpc,
            subnets=network.subnets, security_group=network.workload_sg,
            execute_api_endpoint=network.execute_api_endpoint, keys=data.keys, functions_root=functions_root,
            layer_root=layer_root, state_machines=[s.logical for s in state_machines],
            alarm_topic=audit.topic,
            routes=api_routes(functions_root) if any(f.api_concerns for f in api_specs) else (),
            description="kokuho: private REST API")
        api.add_stack_dependency(data)

    built = KokuhoApp(app=app, data=data, network=network, audit=audit, workflows=workflows, api=api)
    add_guards(app)
    built.acknowledgements = acknowledge(built)
    if nag:
        Validations.of(app).add_plugins(*(pack(app) for pack in NAG_PACKS))
    return built


def api_routes(functions_root: Path) -> list[ApiRoute]:
    """The private API's routes from the handler's own route table (qualification.api.ROUTES): API Gateway
    integrates each with the function of its concern; the table is never written twice."""
    import importlib

    if str(functions_root) not in sys.path:
        sys.path.append(str(functions_root))
    module = importlib.import_module("qualification.api")
    return [ApiRoute(r.method, r.path, r.concern) for r in module.ROUTES]


@dataclass
class SynthResult:
    outdir: Path
    guard_errors: list[str] = field(default_factory=list)
    nag_violations: list[str] = field(default_factory=list)  # error severity: fail the synth
    nag_warnings: list[str] = field(default_factory=list)  # reported, not failing
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.guard_errors and not self.nag_violations

    def messages(self) -> list[str]:
        return self.guard_errors + self.nag_violations


def _policy_violations(outdir: Path, *, errors: bool) -> list[str]:
    """Violations from the validation report (cdk-nag packs, CDK's own template validation)."""
    report = outdir / "validation-report.json"
    if not report.exists():
        return []
    found = []
    for plugin in json.loads(report.read_text()).get("pluginReports", []):
        for v in plugin.get("violations", []):
            if (str(v.get("severity", "")).lower() == "error") != errors:
                continue
            for c in v.get("violatingConstructs", []):
                found.append(f"[{plugin.get('pluginName')}] {c.get('constructPath')}: {v.get('ruleName')} "
                             f"({v.get('severity')}): {v.get('description', '')[:160]}")
    return found


def synth(built: KokuhoApp | App) -> SynthResult:
    """Synthesize; collect guard errors (error annotations) and cdk-nag violations instead of raising."""
    app = built.app if isinstance(built, KokuhoApp) else built
    outdir = Path(app.outdir)
    stale = outdir / "validation-report.json"
    stale.unlink(missing_ok=True)
    validation_failed = False
    try:
        assembly = app.synth()
    except RuntimeError as exc:  # cdk-nag (policy validation) failure: the report says why
        if "Validation failed" not in str(exc) and "ValidationFailed" not in str(exc):
            raise
        validation_failed = True
        assembly = None
    result = SynthResult(outdir=outdir)
    for node in app.node.find_all():
        for entry in node.node.metadata:
            if entry.type == "aws:cdk:error":
                text = str(entry.data)
                result.guard_errors.append(text if node.node.path in text else f"{node.node.path}: {text}")
    result.nag_violations = _policy_violations(outdir, errors=True)
    result.nag_warnings = _policy_violations(outdir, errors=False)
    if validation_failed and not result.nag_violations:
        result.nag_violations.append("policy validation failed (see validation-report.json)")
    if assembly is not None:
        for stack in assembly.stacks:
            result.templates[stack.stack_name] = stack.template
    else:
        for path in outdir.glob("*.template.json"):
            result.templates[path.name.removesuffix(".template.json")] = json.loads(path.read_text())
    return result


def main(*, outdir: str | None = None, context: Mapping[str, Any] | None = None) -> int:
    """Synthesize the real app into `outdir` (default cdk.out); 0 when clean, 1 with the messages."""
    # The CDK CLI (cdk.json "app") tells the app where to write through CDK_OUTDIR.
    target = outdir or os.environ.get("CDK_OUTDIR") or str(REPO / "cdk.out")
    built = build_app(outdir=target, context=context)
    result = synth(built)
    for message in result.nag_warnings:
        print(f"WARNING {message}", file=sys.stderr)
    for message in result.messages():
        print(f"ERROR {message}", file=sys.stderr)
    if not result.ok:
        print(f"synth FAILED: {len(result.guard_errors)} guard error(s), "
              f"{len(result.nag_violations)} cdk-nag violation(s)", file=sys.stderr)
        return 1
    print(f"synthesized {', '.join(sorted(result.templates))} into {result.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
