"""`kokuho inspect [--json] [--cdk-out DIR]`: the self-inspection (assessment IV-1) — one row per protection
of the specification's table with its evidence and status (infra/inspection.py). Markdown for people,
JSON (one object per row, in a list) for machines; exit 1 when a row fails, 2 when there is nothing to
inspect. Synthesizes the CDK app (as `kokuho synth`, layer without its pip dependencies: the templates do not
depend on them) unless `--cdk-out` names an assembly already written."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="the rows as JSON")
    parser.add_argument("--cdk-out", type=Path, metavar="DIR", help="read the templates of this cloud assembly")


def run(args: argparse.Namespace) -> int:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from infra.inspection import inspect, load_templates, to_markdown

    if args.cdk_out is not None:
        templates = load_templates(args.cdk_out)
    else:
        from infra.app import build_app, synth

        with tempfile.TemporaryDirectory() as out:
            result = synth(build_app(outdir=out, context={"kokuho:layerDeps": "skip"}))
            templates = result.templates
    if not templates:
        print("kokuho inspect: no templates to inspect", file=sys.stderr)
        return 2
    rows = inspect(templates)
    if args.json:
        print(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=1))
    else:
        print(to_markdown(rows))
    return 0 if all(r.status == "pass" for r in rows) else 1
