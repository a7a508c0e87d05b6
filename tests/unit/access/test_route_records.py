"""The API's routes record on their actor's own chain: an API actor carries it (functions/qualification/
admission.py: `kokuho.access.records.own_chain`, which `record_access` takes before any chain it is given),
so a route module passing `chain=` to `record_access` names a chain that is never used — and a reader
takes it for where the record goes. Read from the source: every module that takes its actor through
`authorised_actor` (the routes)."""

from __future__ import annotations

import ast
from pathlib import Path

LAYER = Path(__file__).resolve().parents[3] / "layers" / "kokuho" / "python" / "kokuho"


def _route_modules() -> list[Path]:
    return [p for p in sorted(LAYER.rglob("*.py"))
            if p.name != "actor.py" and "authorised_actor(" in p.read_text(encoding="utf-8")]


def test_the_routes_record_on_their_actors_own_chain() -> None:
    modules = _route_modules()
    assert len(modules) >= 5  # the scan sees the routes
    wrong = []
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "record_access"
                    and any(k.arg == "chain" for k in node.keywords)):
                wrong.append(f"{path.relative_to(LAYER)}:{node.lineno}")
    assert not wrong, f"record_access(chain=…) in a route (the actor's own chain is used): {wrong}"
