"""`kokuho` entry point. Each subcommand lives in its own module, imported only when used so a
quick check such as `kokuho mynumber validate` does not load AWS libraries.

A subcommand module exposes `add_arguments(parser)` and `run(args) -> int`.

These are the commands of the layer's own package. The installed `kokuho` command is
kokuho_local.cli.main, which adds the local-only ones (demo, synth) to this table: the layer never
names the development package.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "premium": ("kokuho.cli.premium", "compute one household's NHI premium from a JSON case"),
    "kogaku": ("kokuho.cli.kogaku", "compute a household's 高額療養費 ceiling and benefit from a JSON case"),
    "late-charge": ("kokuho.cli.late_charge", "compute the 延滞金 of a payer's installments from a JSON case"),
    "mynumber": ("kokuho.cli.mynumber", "My Number (個人番号) checks"),
    "audit": ("kokuho.cli.audit", "verify the access-record chain"),
    "requests": ("kokuho.cli.requests", "a person's requests about their data (開示・訂正・利用停止) and inquiries"),
    "qualification": ("kokuho.cli.qualification", "the NHI file's search index: rebuild it (reindex, recorded)"),
    "retention": ("kokuho.cli.retention", "legal holds (保存期間の停止) that stop the retention purge for a person"),
    "trail": ("kokuho.cli.trail", "security review of CloudTrail logs: detections (scan) and integrity (validate)"),
}


def main(argv: list[str] | None = None, commands: dict[str, tuple[str, str]] | None = None) -> int:
    """`commands`: the table to dispatch on (default COMMANDS; kokuho_local.cli.main passes a larger one)."""
    commands = COMMANDS if commands is None else commands
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="kokuho", description="kokuho — NHI back office")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in commands.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] not in commands:
        args = parser.parse_args(argv)  # prints usage / error for unknown commands
        parser.print_help()
        return 2
    module = importlib.import_module(commands[argv[0]][0])
    cmd_parser = argparse.ArgumentParser(prog=f"kokuho {argv[0]}", description=commands[argv[0]][1])
    module.add_arguments(cmd_parser)
    args = cmd_parser.parse_args(argv[1:])
    return int(module.run(args))


if __name__ == "__main__":
    sys.exit(main())
