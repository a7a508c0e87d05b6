"""Template helpers shared by the infra tests."""

from __future__ import annotations

from typing import Any


def resources(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template.get("Resources", {}).items() if v["Type"] == type_}


def all_resources(raw: dict[str, dict[str, Any]], type_: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for name, template in raw.items():
        for logical_id, res in resources(template, type_).items():
            found[f"{name}/{logical_id}"] = res
    return found
