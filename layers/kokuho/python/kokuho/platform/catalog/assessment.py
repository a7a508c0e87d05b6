"""Catalog entries of the assessment area (owned by that area)."""

from __future__ import annotations

from kokuho.platform.catalog.model import FunctionSpec, StateMachineSpec

FUNCTIONS: tuple[FunctionSpec, ...] = ()
STATE_MACHINES: tuple[StateMachineSpec, ...] = ()
