"""Lambda: one-time linkage setup at deployment — create the city's key pair (private part under KMS)
and install the network's permit-signing key. Returns the public key and its fingerprint, which the
city registers with the network (符号・鍵の登録)."""

from __future__ import annotations

from typing import Any

import boto3

from kokuho.access.run_identity import acts_as_run
from kokuho.linkage.crypto import key_id
from kokuho.linkage.provision import register_network_key
from kokuho.linkage.query import ensure_city_key
from kokuho.platform.observability import get_logger

logger = get_logger("linkage-setup")
WORKFLOW = "linkage-setup"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)
PURPOSE = "情報連携の鍵の設定"


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("network_public_key"):
        register_network_key(str(event["network_public_key"]))
    public = ensure_city_key(boto3.client("kms"))
    return {"city_public_key": public, "key_id": key_id(public)}
