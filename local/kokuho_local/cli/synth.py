"""`kokuho synth [--out DIR]`: synthesize the CDK app offline (no CDK CLI, no Docker, no AWS account).

Same as `python infra/app.py`: guards and cdk-nag run, and the command exits 1 with their messages
when any fails. Needs the source tree (infra/ next to local/), not just the installed package.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR", default=str(REPO / "cdk.out"),
                        help="cloud assembly directory (default: cdk.out at the repository root)")
    parser.add_argument("--context", "-c", metavar="KEY=VALUE", action="append", default=[],
                        help="override a cdk.json context value (repeatable)")
    parser.add_argument("--skip-layer-deps", action="store_true",
                        help="build the layer with the kokuho package only (no pip install); tests only")


def _parse_context(pairs: list[str]) -> dict[str, str]:
    context: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"kokuho synth: --context expects KEY=VALUE, got {pair!r}")
        context[key] = value
    return context


def run(args: argparse.Namespace) -> int:
    if not (REPO / "infra" / "app.py").is_file():
        print(f"kokuho synth: no infra/app.py under {REPO}; run it from a source checkout", file=sys.stderr)
        return 2
    context = _parse_context(args.context)
    if args.skip_layer_deps:
        context["kokuho:layerDeps"] = "skip"
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from infra.app import main

    return main(outdir=args.out, context=context)
