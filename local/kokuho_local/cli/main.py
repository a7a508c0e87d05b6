"""`kokuho` entry point (pyproject [project.scripts]): the layer's command table (kokuho.cli.main)
plus the commands that run only from a source checkout with the dev extras: `demo` (the embedded AWS)
and `synth` (the CDK app)."""

from __future__ import annotations

import sys

from kokuho.cli import main as layer_cli

COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("kokuho_local.cli.demo", "run a whole monthly cycle for a synthetic city on the embedded AWS"),
    **layer_cli.COMMANDS,
    "synth": ("kokuho_local.cli.synth", "synthesize the CDK app offline into cdk.out"),
    "inspect": ("kokuho_local.cli.inspect", "self-inspection: each protection, its evidence, pass or fail"),
    "collection-stats": ("kokuho_local.cli.collection_stats",
                         "a fiscal year's 収納率 as CSV and a PNG chart, from the API's statistics JSON"),
    "checkup-stats": ("kokuho_local.cli.checkup_stats",
                      "a fiscal year's 特定健診 受診率 per ward and age band as CSV and a PNG chart (API JSON)"),
}


def main(argv: list[str] | None = None) -> int:
    return layer_cli.main(argv, commands=COMMANDS)


if __name__ == "__main__":
    sys.exit(main())
