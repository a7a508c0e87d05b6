"""Api stack: the PRIVATE REST API in front of the catalog's `api=True` functions.

Reachable only through the project's execute-api VPC endpoint: endpoint type PRIVATE and a resource
policy that denies every request whose aws:SourceVpce is not that endpoint. Staff terminals reach the
VPC over the city's closed network (Direct Connect/VPN), never over the internet.

Staff identity (assessment III-3 リスク2: 個人認証, no shared IDs): methods use IAM authorization.
In production the city's IC-card login broker exchanges the staff member's card login for short-lived
STS credentials of a per-staff role session (session name = staff id, session tag = terminal id,
the session registered in the staff_sessions table), so every request is SigV4-signed by a named
person and CloudTrail/API access logs carry that identity; the handler reads it from
requestContext.identity (userArn, accessKey), accepts the staff role of the city's account only
(KOKUHO_CITY_ACCOUNT, set here from kokuho:account) and still checks the per-function grant in the
staff table. A TOKEN Lambda authorizer verifying the broker's signed token is the documented
alternative if the broker cannot issue STS credentials.

Request validation (body and parameters), stage throttling with a lower rate for reads (GET: the bulk
copy path), JSON access logs to an encrypted, retained log group (no request bodies: data tracing off), no
X-Ray on the stage (its segments hold the URL's query string: personal search criteria; the functions are traced).
The per-staff volume limits are the function's (kokuho.access.limits: API Gateway's usage
plans meter API keys, which IAM-signed staff calls do not carry); their refusals are a metric
(kokuho/VolumeLimitRefusals) with an alarm.

Least privilege per function: when the api functions name concerns (FunctionSpec.api_concerns), each
route of the handler's one route table (qualification.api.ROUTES: method, path, concern) is a method
integrated with the function of its concern, so a request only ever reaches the role that may serve it;
every other method of a known resource, and every unknown path, goes to the "meta" function, whose
handler answers 404/405 like the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.constructs.functions import CatalogFunctions
from infra.constructs.log_group import encrypted_log_group
from infra.settings import APP_LOG_RETENTION, AUDIT_LOG_RETENTION, PROJECT, DeploySettings
from kokuho.access.identity import CITY_ACCOUNT_ENV
from kokuho.platform.catalog.model import FunctionSpec
from kokuho.platform.tables import DataClass

STAGE = "v1"
THROTTLE_RATE = 50  # requests/second across the stage: a city office's staff, not the public
THROTTLE_BURST = 100
READ_THROTTLE_RATE = 20  # GET requests/second across the stage: reads are where bulk copying happens
READ_THROTTLE_BURST = 40
REFUSAL_METRIC = ("kokuho", "VolumeLimitRefusals")  # emitted by the api function (qualification.api)


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str  # OpenAPI template: /persons/{person_id}
    concern: str


class ApiStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: DeploySettings, functions: Sequence[FunctionSpec],
        vpc: ec2.IVpc, subnets: ec2.SubnetSelection, security_group: ec2.ISecurityGroup,
        execute_api_endpoint: ec2.IInterfaceVpcEndpoint, keys: Mapping[DataClass, kms.IKey],
        functions_root: Path, layer_root: Path, state_machines: Sequence[str] | None = None,
        alarm_topic: sns.ITopic | None = None, routes: Sequence[ApiRoute] = (), **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, env=settings.env, **kwargs)  # type: ignore[arg-type]
        self.settings = settings
        if not functions:
            raise ValueError("ApiStack needs at least one api function (app.py skips it otherwise)")
        self.catalog_functions = CatalogFunctions(
            self, "Functions", settings=settings, specs=functions, vpc=vpc, subnets=subnets,
            security_group=security_group, keys=keys, functions_root=functions_root, layer_root=layer_root,
            state_machines=state_machines,  # the app's own machines, which api functions may answer
        )
        access_logs = encrypted_log_group(
            self, "AccessLogs", key=keys[DataClass.AUDIT], retention=AUDIT_LOG_RETENTION)
        endpoint_id = execute_api_endpoint.vpc_endpoint_id
        policy = iam.PolicyDocument(statements=[
            iam.PolicyStatement(
                effect=iam.Effect.ALLOW, principals=[iam.AnyPrincipal()],
                actions=["execute-api:Invoke"], resources=["execute-api:/*"]),
            iam.PolicyStatement(
                effect=iam.Effect.DENY, principals=[iam.AnyPrincipal()],
                actions=["execute-api:Invoke"], resources=["execute-api:/*"],
                conditions={"StringNotEquals": {"aws:SourceVpce": endpoint_id}}),
        ])
        self.api = apigw.RestApi(
            self, "Api",
            rest_api_name=f"{PROJECT}-api",
            description="kokuho private API (staff terminals over the closed network only)",
            endpoint_configuration=apigw.EndpointConfiguration(
                types=[apigw.EndpointType.PRIVATE], vpc_endpoints=[execute_api_endpoint]),
            policy=policy,
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                # No X-Ray on the stage: its segment records the request's URL with the query string (the person
                # search's kana, birth date, address; a My Number a client typed into a URL, refused by the function
                # only after the stage traced it). The functions' own active tracing carries no request content.
                tracing_enabled=False,
                throttling_rate_limit=THROTTLE_RATE,
                throttling_burst_limit=THROTTLE_BURST,
                method_options={"/*/GET": apigw.MethodDeploymentOptions(
                    throttling_rate_limit=READ_THROTTLE_RATE, throttling_burst_limit=READ_THROTTLE_BURST,
                    logging_level=apigw.MethodLoggingLevel.ERROR, data_trace_enabled=False,
                    metrics_enabled=True)},
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # request/response bodies hold personal data
                metrics_enabled=True,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True, http_method=True, ip=True, protocol=True, request_time=True,
                    resource_path=True, response_length=True, status=True, user=True),
            ),
        )
        # API Gateway would create its execution-log group itself, unencrypted and kept forever.
        encrypted_log_group(
            self, "ExecutionLogs", key=keys[DataClass.AUDIT], retention=APP_LOG_RETENTION,
            name=f"API-Gateway-Execution-Logs_{self.api.rest_api_id}/{STAGE}")
        self.validator = apigw.RequestValidator(
            self, "Validator", rest_api=self.api, validate_request_body=True, validate_request_parameters=True)
        fns = self.catalog_functions.functions
        if any(spec.api_concerns for spec in functions):
            self._route_by_concern(functions, routes)
        else:
            for logical, fn in fns.items():
                integration = apigw.LambdaIntegration(fn, proxy=True)
                # One api function: it owns the whole path space; several: one prefix each.
                base = self.api.root if len(fns) == 1 else self.api.root.add_resource(logical)
                base.add_method("ANY", integration, authorization_type=apigw.AuthorizationType.IAM,
                                request_validator=self.validator)
                base.add_resource("{proxy+}").add_method(
                    "ANY", integration, authorization_type=apigw.AuthorizationType.IAM,
                    request_validator=self.validator)

        self.refusal_alarms: dict[str, cloudwatch.Alarm] = {}
        for logical, fn in fns.items():
            # The staff role is accepted from the city's account only (kokuho.access.identity).
            fn.add_environment(CITY_ACCOUNT_ENV, settings.account)
            namespace, name = REFUSAL_METRIC
            alarm = cloudwatch.Alarm(
                self, f"VolumeRefusals{logical}",
                alarm_description=f"{logical}: a member of staff hit a volume limit (bulk reading?); "
                                  "the access records (result limited) name who and what",
                metric=cloudwatch.Metric(
                    namespace=namespace, metric_name=name, statistic="Sum", period=Duration.minutes(5),
                    dimensions_map={"api": "qualification", "service": settings.function_name(logical)}),
                threshold=1, evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            if alarm_topic is not None:
                alarm.add_alarm_action(cw_actions.SnsAction(alarm_topic))
            self.refusal_alarms[logical] = alarm

    def _method(self, resource: apigw.IResource, method: str, fn: object) -> None:
        # No test-invoke permission: only the deployed stage may call the function.
        integration = apigw.LambdaIntegration(fn, proxy=True, allow_test_invoke=False)  # type: ignore[arg-type]
        resource.add_method(method, integration, authorization_type=apigw.AuthorizationType.IAM,
                            request_validator=self.validator)

    def _route_by_concern(self, functions: Sequence[FunctionSpec], routes: Sequence[ApiRoute]) -> None:
        fns = self.catalog_functions.functions
        of_concern = {c: fns[spec.logical] for spec in functions for c in spec.api_concerns}
        if not routes:
            raise ValueError("api functions name concerns but no route table was given")
        missing = sorted({r.concern for r in routes} - set(of_concern))
        if missing:
            raise ValueError(f"no api function serves the concern(s) {missing}")
        fallback = of_concern["meta"]
        resources: dict[str, apigw.IResource] = {"/": self.api.root}
        for route in routes:
            path = "/" + route.path.strip("/")
            resource = self.api.root.resource_for_path(path)
            self._method(resource, route.method, of_concern[route.concern])
            parts = path.strip("/").split("/")
            for i in range(1, len(parts) + 1):
                prefix = "/" + "/".join(parts[:i])
                resources.setdefault(prefix, self.api.root.resource_for_path(prefix))
        # Any other method of a known resource, and any unknown path below the root: the "meta" function
        # (its handler answers 405 with Allow, or 404) — API Gateway never guesses.
        for known in resources.values():
            self._method(known, "ANY", fallback)
        self._method(self.api.root.add_resource("{proxy+}"), "ANY", fallback)
