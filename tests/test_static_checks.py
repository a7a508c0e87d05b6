"""The code stays ruff- and mypy-clean (DEVELOPERS: "Type hints everywhere; ruff and mypy clean").

mypy checks the layer package with the local one (local/kokuho_local) and infra, and the Lambda
handlers separately from functions/ (their import root on Lambda), so `functions/linkage` is not
confused with `kokuho.linkage`.
"""

from __future__ import annotations

import re
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


# The office's day is Tokyo's (kokuho.dates.tokyo.today_jst): a Lambda's clock is UTC, a day behind before 09:00 JST.
# A day taken from the machine's zone or the UTC date cut the morning's access records out of a disclosure.
_MACHINE_DAY = re.compile(r"date\.today\(\)|now\(\s*(UTC|timezone\.utc)?\s*\)\.date\(\)|datetime\.now\(\)|utcnow\(")


def test_no_code_takes_the_day_from_the_machine_clock_or_utc() -> None:
    found = [f"{path.relative_to(ROOT)}:{n}" for top in ("layers", "functions", "local", "infra")
             for path in sorted((ROOT / top).rglob("*.py")) if ".venv" not in path.parts and "cdk.out" not in path.parts
             for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if _MACHINE_DAY.search(line)]
    assert found == [], found
