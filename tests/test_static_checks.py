"""The code stays ruff- and mypy-clean (DEVELOPERS: "Type hints everywhere; ruff and mypy clean").

mypy checks the layer package with the local one (local/kokuho_local) and infra, and the Lambda
handlers separately from functions/ (their import root on Lambda), so `functions/linkage` is not
confused with `kokuho.linkage`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(args: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)


def test_ruff_is_clean() -> None:
    proc = _run([str(BIN / "ruff"), "check", "."])
    assert proc.returncode == 0, proc.stdout[-4000:]


def test_mypy_is_clean() -> None:
    package = _run([sys.executable, "-m", "mypy", "layers/kokuho/python/kokuho", "local/kokuho_local", "infra"])
    assert package.returncode == 0, package.stdout[-4000:]
    handlers = _run([sys.executable, "-m", "mypy", *sorted(p.name for p in (ROOT / "functions").iterdir()
                                                            if p.is_dir() and not p.name.startswith(("_", ".")))],
                    cwd=ROOT / "functions")
    assert handlers.returncode == 0, handlers.stdout[-4000:]
