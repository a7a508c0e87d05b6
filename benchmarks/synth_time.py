"""Synth time of the CDK app (issue 2): `kokuho synth` offline, guards and the four cdk-nag packs
included, as a fresh process each run. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/synth_time.py [--runs 3] [--skip-layer-deps]

The first run may also build the Lambda layer (pip install --target, cached by a hash of
pyproject.toml); it is reported separately from the median of the runs after it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def synth_once(out: Path, skip_layer_deps: bool) -> float:
    cmd = [sys.executable, "-m", "kokuho_local.cli.main", "synth", "--out", str(out)]
    if skip_layer_deps:
        cmd.append("--skip-layer-deps")
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"synth failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-layer-deps", action="store_true", help="package-only layer, as the tests")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kokuho-synth-") as tmp:
        first = synth_once(Path(tmp) / "first", args.skip_layer_deps)
        times = [synth_once(Path(tmp) / f"run{i}", args.skip_layer_deps) for i in range(args.runs)]
        templates = sorted(p.name for p in (Path(tmp) / "first").glob("*.template.json"))
    print(f"first synth (may build the layer): {first:.1f} s")
    print(f"synth, median of {args.runs}: {statistics.median(times):.1f} s  {[round(t, 1) for t in times]}")
    print(f"templates: {', '.join(templates)}")


if __name__ == "__main__":
    main()
