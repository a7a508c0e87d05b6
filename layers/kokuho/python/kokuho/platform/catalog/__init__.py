"""Catalog of the Lambda functions and state machines: what the Workflows/Api stacks deploy and what
the embedded AWS registers locally. One file per business area, each owned by that area; this module
only collects them.

A function's handler is a dotted path relative to `functions/` (the asset root deployed to Lambda),
e.g. "assessment.batch.handler" → functions/assessment/batch.py:handler.
An ASL file in `statemachines/` uses `${Placeholder}` definition substitutions; each placeholder maps to
("function", logical) → the function ARN, ("table", logical) → the table name,
("bucket", logical) → the bucket name, ("literal", value), or ("map_execution_type", "EXPRESS") → a
Distributed Map's child execution type: the value when deployed, STANDARD on the embedded AWS (moto
refuses EXPRESS children).
"""

from __future__ import annotations

from kokuho.platform.catalog.model import FunctionSpec, Schedule, StateMachineSpec

from . import assessment, audit, benefits, collection, health, intake, linkage, qualification

FUNCTIONS: tuple[FunctionSpec, ...] = (
    *assessment.FUNCTIONS, *qualification.FUNCTIONS, *linkage.FUNCTIONS, *audit.FUNCTIONS,
    *collection.FUNCTIONS, *intake.FUNCTIONS, *benefits.FUNCTIONS, *health.FUNCTIONS)
STATE_MACHINES: tuple[StateMachineSpec, ...] = (
    *assessment.STATE_MACHINES,
    *qualification.STATE_MACHINES,
    *linkage.STATE_MACHINES,
    *audit.STATE_MACHINES,
    *collection.STATE_MACHINES,
    *intake.STATE_MACHINES,
    *benefits.STATE_MACHINES,
    *health.STATE_MACHINES,
)
FUNCTIONS_BY_LOGICAL = {f.logical: f for f in FUNCTIONS}
STATE_MACHINES_BY_LOGICAL = {s.logical: s for s in STATE_MACHINES}


def has_data_role(spec: FunctionSpec) -> bool:
    """The function reaches its data through a data-access role (kokuho.access.data_role), assumed as who
    causes the access: an api function as the member of staff — when it has anything beyond the caller's
    tables (qualification.CALLER_TABLES) or writes access records — and a batch or workflow function as its
    run (kokuho.access.run_identity) whenever it touches a table, a bucket or a signing key."""
    if spec.api:
        return bool(spec.buckets or spec.signing_keys or "access_log" in spec.tables
                    or set(spec.tables) - qualification.CALLER_TABLES)
    return bool(spec.tables or spec.buckets or spec.signing_keys)


def own_role_holds(spec: FunctionSpec, table: str) -> bool:
    """The function's own role (not its data-access role) holds `table`: without a data role, every table; an api
    function's, the caller's tables (qualification.CALLER_TABLES) and the access records (a refused request's)."""
    if not has_data_role(spec):
        return table in spec.tables
    return spec.api and table in spec.tables and (table == "access_log" or table in qualification.CALLER_TABLES)


def own_role_name(spec: FunctionSpec) -> str | None:
    """The fixed name of an api function's own role — the function's (`kokuho-<logical>`): the trail recognises its
    calls by the role that issued their session, never by the session's name, which whoever assumes a role chooses.
    Other functions' own roles hold no personal data (their data role does) and keep the names CDK gives them."""
    return f"kokuho-{spec.logical}" if spec.api else None


__all__ = ["FUNCTIONS", "STATE_MACHINES", "FunctionSpec", "StateMachineSpec", "Schedule",
           "FUNCTIONS_BY_LOGICAL", "STATE_MACHINES_BY_LOGICAL", "has_data_role", "own_role_holds", "own_role_name"]
