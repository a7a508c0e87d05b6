"""医療機関名 by 医療機関コード (kokuho/data/health/providers.json): what the 医療費通知 prints for a provider; a code
the list lacks is printed as its code, so a notice is never held back for a name."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def _names() -> dict[str, str]:
    raw = json.loads(resources.files("kokuho.data").joinpath("health/providers.json").read_text("utf-8"))
    return {str(k): str(v) for k, v in raw["providers"].items()}


def provider_name(code: str) -> str:
    return _names().get(code) or f"医療機関コード {code}"
