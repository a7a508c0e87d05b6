"""Lambda: the My Number vault — the private API's vault routes (qualification.api, concern "vault") and
the numbers other functions hand over by direct invocation (kokuho.identity.vault.STORE_ACTION, e.g. the
case intake). Its role is the only one with rights on the My Number table and key."""

from __future__ import annotations

from typing import Any

from kokuho.access.data_role import DataAccessRefused, acting_as, caller_of
from kokuho.identity.redaction import errors_without_my_numbers
from kokuho.identity.vault import (
    FORGET_ACTION,
    STORE_ACTION,
    HandOverRefused,
    forget_many,
    hand_over_actor,
    store_many,
)
from kokuho.platform.request_ids import lambda_ids, serving

from .api import handler as api_handler


@errors_without_my_numbers  # the hand-over's failures (the numbers themselves are its input); the API answers itself
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("action") in (STORE_ACTION, FORGET_ACTION) and "httpMethod" not in event:
        # Numbers handed over by a batch (the case intake), or the persons the retention run removed: under
        # the run's own session of the data-access role (source identity: the run id), as the API's routes are
        # under the staff's.
        act = store_many if event.get("action") == STORE_ACTION else forget_many
        try:
            # a run's, never a member of staff's (refused before any session is assumed in their name)
            actor = hand_over_actor(event, str(event["action"]))
            caller = caller_of(actor.staff_id, actor.terminal_id,
                               str(getattr(context, "function_name", "") or "qualification-api-vault"), actor.purpose)
        except HandOverRefused:
            raise
        except (KeyError, TypeError, ValueError, DataAccessRefused):
            return act(event)  # no actor: refused there, naming what the event needs
        with serving(lambda_ids(context)), acting_as(caller):
            return act(event)
    return api_handler(event, context)
