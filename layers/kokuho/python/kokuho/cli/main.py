"""`kokuho` entry point. Each subcommand lives in its own module, imported only when used so a
quick check such as `kokuho mynumber validate` does not load AWS libraries.

A subcommand module exposes `add_arguments(parser)` and `run(args) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("kokuho.cli.demo", "run a whole monthly cycle for a synthetic city on the embedded AWS"),
    "premium": ("kokuho.cli.premium", "compute one household's NHI premium from a JSON case"),
    "kogaku": ("kokuho.cli.kogaku", "compute a household's 高額療養費 ceiling and benefit from a JSON case"),
    "late-charge": ("kokuho.cli.late_charge", "compute the 延滞金 of a payer's installments from a JSON case"),
    "mynumber": ("kokuho.cli.mynumber", "My Number (個人番号) checks"),
    "audit": ("kokuho.cli.audit", "verify the access-record chain"),
    "trail": ("kokuho.cli.trail", "security review of CloudTrail logs: detections (scan) and integrity (validate)"),
    "synth": ("kokuho.cli.synth", "synthesize the CDK app offline into cdk.out"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="kokuho", description="kokuho — NHI back office")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] not in COMMANDS:
        args = parser.parse_args(argv)  # prints usage / error for unknown commands
        parser.print_help()
        return 2
    module = importlib.import_module(COMMANDS[argv[0]][0])
    cmd_parser = argparse.ArgumentParser(prog=f"kokuho {argv[0]}", description=COMMANDS[argv[0]][1])
    module.add_arguments(cmd_parser)
    args = cmd_parser.parse_args(argv[1:])
    return int(module.run(args))


if __name__ == "__main__":
    sys.exit(main())
