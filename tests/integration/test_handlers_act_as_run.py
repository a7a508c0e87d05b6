"""Every batch and workflow function the stacks give a data-access role (catalog.has_data_role) acts through
it: its handler runs as its run (kokuho.access.run_identity.acts_as_run), or as the member of staff who
invoked it — else, on AWS, its own role, which holds none of its data, would be refused every call."""

from __future__ import annotations

from kokuho.platform.catalog import FUNCTIONS, has_data_role
from kokuho_local.embedded import FUNCTIONS_ROOT, EmbeddedAWS
from kokuho_local.local_lambda import resolve_handler

# Handlers that act as a member of staff instead, with where they do it.
AS_STAFF: dict[str, str] = {}


def test_each_workflow_handler_with_a_data_role_acts_as_its_run(aws: EmbeddedAWS) -> None:
    missing = []
    for spec in FUNCTIONS:
        if spec.api or not has_data_role(spec) or spec.logical in AS_STAFF:
            continue
        handler = resolve_handler(spec.handler, FUNCTIONS_ROOT)
        if not getattr(handler, "acts_as_run", None):
            missing.append(f"{spec.logical} ({spec.handler})")
    assert missing == []
