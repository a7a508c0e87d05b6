"""What a route of the qualification API is (RouteSpec): the one route table (qualification.api.ROUTES)
is made of these, and the resolver's routes, the grant checked before dispatch and the OpenAPI document
are all derived from it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel

from kokuho.access.grants import Function

from .schemas import ID

OPENAPI_PATH = "/openapi.json"


APPLICATION_JSON = "application/json"


PathId = Annotated[str, Path(pattern=ID)]


# What a route is about: the deployed stacks may serve each concern from its own function (each one a
# subset of ROUTES, so the split is derived from this table, never written again).
Concern = Literal["read", "register", "vault", "approval", "review", "collection", "requests", "health",
                  "benefits", "meta"]


@dataclass(frozen=True)
class RouteSpec:
    """One route of the API. ROUTES is the only place routes are written: the resolver's routes, the
    grant checked before dispatch and the OpenAPI document are all derived from it."""

    method: str
    path: str  # OpenAPI template, {name} for a path parameter
    function: Function | None  # the grant it needs; None: any authenticated member of staff
    operation: str  # access-record operation of a refusal
    concern: Concern
    handler: Callable[..., Any]
    summary: str
    out: type[BaseModel]  # the body of success (responses.py)
    status: int = 200  # status of success
    category: str = "qualification"  # access-record category of a refusal of this route

    @property
    def resolver_path(self) -> str:
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)

