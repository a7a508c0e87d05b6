"""The suite-wide guard (tests/conftest.py) fails a test whose captured output holds a valid My Number in
any shape — full-width, 4-4-4, other separators, escaped — and names where, never the number."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).resolve().parents[2] / "conftest.py"

INNER = '''
import json
import logging
import sys

FIRST = "12345678901"
W = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
R = sum(int(d) * w for d, w in zip(FIRST, W)) % 11
N = FIRST + str(0 if R <= 1 else 11 - R)
FULL = str.maketrans("0123456789", "０１２３４５６７８９")
SHAPES = {
    "full_width": N.translate(FULL),
    "hyphens": f"{N[:4]}-{N[4:8]}-{N[8:]}",
    "ideographic_space": f"{N[:4]}\\u3000{N[4:8]}\\u3000{N[8:]}",
    "mixed": f"{N[:4].translate(FULL)}ー{N[4:8]}\\u00a0{N[8:]}",
    "escaped": json.dumps(N.translate(FULL)),
}


def test_stdout_full_width():
    print("person", SHAPES["full_width"])


def test_stderr_hyphens():
    print("person", SHAPES["hyphens"], file=sys.stderr)


def test_log_ideographic_space():
    logging.getLogger("third.party").warning("person %s", SHAPES["ideographic_space"])


def test_stdout_mixed():
    print(SHAPES["mixed"])


def test_stdout_escaped():
    print({"n": SHAPES["escaped"]})


def test_clean():
    print("2026-04-01 2027-03-31 KG-401005-202604 12:31:31.123456")
'''


LEAKS = ["stdout_full_width", "stderr_hyphens", "log_ideographic_space", "stdout_mixed", "stdout_escaped"]


def test_guard_fails_every_test_printing_any_shape_and_only_those(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "test_inner.py").write_text(INNER, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--show-capture=no", "-rf",
         "--no-header", str(tmp_path)],
        capture_output=True, text=True, check=False, cwd=tmp_path)
    out = proc.stdout + proc.stderr  # never shown: it may hold the inner tests' numbers
    assert f"{len(LEAKS)} failed, 1 passed" in out, "the guard did not fail exactly the leaking tests"
    for leak in LEAKS:
        assert f"FAILED test_inner.py::test_{leak} - My Number leak" in out, leak
