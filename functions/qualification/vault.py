"""Lambda: the My Number vault — the private API's vault routes (qualification.api, concern "vault") and
the numbers other functions hand over by direct invocation (kokuho.identity.vault.STORE_ACTION, e.g. the
case intake). Its role is the only one with rights on the My Number table and key."""

from __future__ import annotations

from typing import Any

from kokuho.identity.vault import STORE_ACTION, store_many

from .api import handler as api_handler


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("action") == STORE_ACTION and "httpMethod" not in event:
        return store_many(event)
    return api_handler(event, context)
