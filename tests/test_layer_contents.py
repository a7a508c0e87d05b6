"""What ships is what runs in production (issue 10 item 1): the Lambda layer, built by the same function
the CDK app deploys (infra.layer_build.build_layer, the package copy the infra tests use), holds no moto,
none of the local platform's modules and nothing of the development package (local/kokuho_local).
"""

from __future__ import annotations

import ast
import hashlib
import re
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from infra.layer_build import build_layer, runtime_requirements  # noqa: E402

LOCAL_PACKAGE = ROOT / "local" / "kokuho_local"
# Where the local platform lived in the layer package before it moved out: none may come back.
LOCAL_ONLY_IN_LAYER = (
    "kokuho/platform/embedded.py", "kokuho/platform/moto_dynamodb.py", "kokuho/platform/local_lambda.py",
    "kokuho/qualification/local_api.py", "kokuho/linkage/sandbox.py", "kokuho/synthetic", "kokuho/cli/demo.py",
    "kokuho/cli/synth.py", "kokuho_local",
)
FORBIDDEN = ("moto", "kokuho_local")


@cache
def layer_python() -> Path:
    return build_layer(skip_deps=True) / "python"


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes (prose may name the local package; code may not)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def forbidden_references(source: str, filename: str) -> list[str]:
    """Imports of moto or kokuho_local, and module names of them in code strings (importlib, a command
    table): a lazy or dynamic import ships and runs just the same."""
    tree = ast.parse(source, filename)
    docstrings = _docstrings(tree)
    wrong = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            wrong += [f"{filename}:{node.lineno} import {a.name}" for a in node.names if _within(a.name, FORBIDDEN)]
        elif isinstance(node, ast.ImportFrom) and not node.level and _within(node.module or "", FORBIDDEN):
            wrong.append(f"{filename}:{node.lineno} from {node.module} import ...")
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
              and re.fullmatch(r"[A-Za-z_][\w.]*", node.value) and _within(node.value, FORBIDDEN)):
            wrong.append(f"{filename}:{node.lineno} names {node.value!r}")
    return wrong


def test_the_built_layer_is_the_domain_package() -> None:
    python = layer_python()
    assert (python / "kokuho" / "premium" / "engine.py").is_file()
    assert (python / "kokuho" / "platform" / "catalog" / "__init__.py").is_file()
    assert sorted(p.name for p in python.iterdir()) == ["kokuho"]


def test_the_built_layer_holds_none_of_the_local_platform() -> None:
    python = layer_python()
    present = [rel for rel in LOCAL_ONLY_IN_LAYER if (python / rel).exists()]
    assert not present, f"local-only code in the built layer: {present}"


def test_no_file_of_the_development_package_is_copied_into_the_layer() -> None:
    """Same content under another name counts too (a copy instead of an import)."""
    local = {hashlib.sha256(p.read_bytes()).hexdigest(): p.relative_to(ROOT)
             for p in LOCAL_PACKAGE.rglob("*.py") if p.stat().st_size > 200}  # not the tiny __init__s
    copies = [f"{p.relative_to(layer_python())} = {local[h]}" for p in layer_python().rglob("*.py")
              if (h := hashlib.sha256(p.read_bytes()).hexdigest()) in local]
    assert not copies, f"copied from local/kokuho_local into the layer: {copies}"


def test_no_module_of_the_built_layer_imports_moto_or_the_development_package() -> None:
    python = layer_python()
    wrong = [w for path in sorted(python.rglob("*.py"))
             for w in forbidden_references(path.read_text(encoding="utf-8"), str(path.relative_to(python)))]
    assert not wrong, "\n".join(wrong)


def test_the_scan_catches_lazy_and_dynamic_imports_but_not_prose() -> None:
    source = '''"""Runs on kokuho_local.embedded in tests."""
import importlib
def f():
    """moto is what the tests use."""
    from moto import mock_aws
    import kokuho_local.sandbox
    return importlib.import_module("kokuho_local.cli.demo"), "moto is fine in a sentence"
'''
    found = forbidden_references(source, "x.py")
    assert found == ["x.py:5 from moto import ...", "x.py:6 import kokuho_local.sandbox",
                     "x.py:7 names 'kokuho_local.cli.demo'"]


def test_the_layer_dependencies_are_the_runtime_ones_only() -> None:
    """The full layer adds `pip install --target` of these; moto and the dev extras are never among them."""
    names = {re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0].lower() for r in runtime_requirements()}
    assert names and not names & {"moto", "pytest", "aws-cdk-lib", "hypothesis", "freezegun"}
