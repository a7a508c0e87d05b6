"""Builds the shared Lambda layer into a plain folder, without Docker.

Layout (what Lambda expects of a Python layer): build/layer/python/kokuho/ (the domain package) plus
the runtime dependencies from pyproject.toml installed with `pip install --target` for the Lambda
platform (CPython 3.12, manylinux x86_64). boto3/botocore are left out: the Lambda runtime provides
them and they would triple the layer's size.

The dependency install is cached by a hash of pyproject.toml (+ platform), so a repeated synth only
re-copies the kokuho package. Tests set KOKUHO_LAYER_SKIP_DEPS=1 (or context kokuho:layerDeps=skip)
to build only the package copy, keeping them fast and offline-safe; the default builds the real layer.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE_SRC = REPO / "layers" / "kokuho" / "python" / "kokuho"
PYPROJECT = REPO / "pyproject.toml"
BUILD = REPO / "build"

LAMBDA_PYTHON = "3.12"
LAMBDA_PLATFORM = "manylinux2014_x86_64"
# Provided by the Lambda Python runtime: never bundled.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
SKIP_DEPS_ENV = "KOKUHO_LAYER_SKIP_DEPS"


def runtime_requirements() -> list[str]:
    deps: list[str] = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    return [d for d in deps if not d.lower().startswith(RUNTIME_PROVIDED)]


def deps_hash() -> str:
    h = hashlib.sha256(PYPROJECT.read_bytes())
    h.update(f"{LAMBDA_PYTHON}|{LAMBDA_PLATFORM}|{RUNTIME_PROVIDED}".encode())
    return h.hexdigest()[:16]


def skip_deps_requested(context_value: object = None) -> bool:
    return os.environ.get(SKIP_DEPS_ENV, "") not in ("", "0") or context_value == "skip"


_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def package_hash() -> str:
    h = hashlib.sha256()
    for path in sorted(PACKAGE_SRC.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            h.update(str(path.relative_to(PACKAGE_SRC)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _copy_package(python_dir: Path) -> None:
    target = python_dir / "kokuho"
    staging = python_dir / f".kokuho.staging.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(PACKAGE_SRC, staging, ignore=_IGNORE)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def _package_only_layer() -> Path:
    """Content-addressed (one folder per package hash), written once via an atomic rename, so parallel
    test workers never see a half-copied layer."""
    root = BUILD / "layer-nodeps" / package_hash()
    if (root / "python" / "kokuho").is_dir():
        return root
    staging = BUILD / "layer-nodeps" / f".staging.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(PACKAGE_SRC, staging / "python" / "kokuho", ignore=_IGNORE)
    try:
        staging.rename(root)
    except OSError:  # another process won the race with identical content
        shutil.rmtree(staging, ignore_errors=True)
    return root


def _install_deps(python_dir: Path) -> None:
    cmd = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--target", str(python_dir), "--upgrade",
        "--platform", LAMBDA_PLATFORM, "--implementation", "cp", "--python-version", LAMBDA_PYTHON,
        "--only-binary=:all:", *runtime_requirements(),
    ]
    subprocess.run(cmd, check=True)
    for name in RUNTIME_PROVIDED:  # pulled in transitively (pynamodb → botocore); the runtime has them
        for path in python_dir.glob(f"{name}*"):
            shutil.rmtree(path, ignore_errors=True)
    shutil.rmtree(python_dir / "bin", ignore_errors=True)
    for cache in python_dir.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)


def build_layer(skip_deps: bool = False) -> Path:
    """Return the folder to deploy as the layer asset (its `python/` holds kokuho and the deps)."""
    if skip_deps:
        return _package_only_layer()
    root = BUILD / "layer"
    python_dir = root / "python"
    python_dir.mkdir(parents=True, exist_ok=True)
    marker = root / ".deps-hash"
    wanted = deps_hash()
    if not marker.exists() or marker.read_text().strip() != wanted:
        for child in python_dir.iterdir():  # a dependency change: start from an empty folder
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        _install_deps(python_dir)
        marker.write_text(wanted)
    _copy_package(python_dir)
    return root
