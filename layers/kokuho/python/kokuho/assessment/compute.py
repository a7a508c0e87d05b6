"""The premium of each household of a batch (the engine, kokuho.premium): pure, no storage."""

from __future__ import annotations

from typing import Any

from kokuho.identity.redaction import redact


def compute(cases: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Engine results per household; a household whose case the engine refuses is a failure (not the batch)."""
    from kokuho.premium import compute_each

    results: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    for h, out in zip(cases, compute_each(cases.values()), strict=True):
        if isinstance(out, dict):
            results[h] = out
        else:
            failures[h] = redact(f"{type(out).__name__}: {out}")
    return results, failures
