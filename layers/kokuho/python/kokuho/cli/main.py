"""`kokuho` entry point. Each subcommand lives in its own module, imported only when used so a
quick check such as `kokuho mynumber validate` does not load AWS libraries.

A subcommand module exposes `add_arguments(parser)` and `run(args) -> int`. No command but `mynumber` takes an
argument holding a My Number (refused before it runs), and argparse's refusals never print one back.

These are the commands of the layer's own package. The installed `kokuho` command is
kokuho_local.cli.main, which adds the local-only ones (demo, synth) to this table: the layer never
names the development package.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from typing import NoReturn

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


# The commands whose contract takes a My Number as an argument (`kokuho mynumber validate NUMBER`, never echoed).
TAKES_A_MY_NUMBER = frozenset({"mynumber"})


class _Parser(argparse.ArgumentParser):
    """argparse repeats what it refuses (an unknown command or choice, an unrecognised option, a value that is no
    integer): its message is redacted, so no My Number it was given is printed back, whatever the command."""

    def error(self, message: str) -> NoReturn:
        from kokuho.identity.redaction import redact

        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {redact(message)}\n")


# Where CloudTrail puts an AWS account id in a path (AWSLogs/<account>/…, AWSLogs/<org id>/<account>/…,
# <account>_CloudTrail_…): an account whose twelve digits pass the check digit (one in eleven) is an account.
_ACCOUNT_IN_TRAIL_PATH = re.compile(r"(?<=AWSLogs/)(?:o-[a-z0-9]{10,32}/)?[0-9]{12}(?=/|$)|"
                                    r"(?<![0-9])[0-9]{12}(?=_CloudTrail)", re.ASCII)


def _argument_with_my_number(argv: list[str]) -> int | None:
    """The place (1 = the command) of the first argument holding a My Number in any shape, else None."""
    from kokuho.identity.mynumber import contains_my_number

    return next((i for i, arg in enumerate(argv, start=1)
                 if contains_my_number(_ACCOUNT_IN_TRAIL_PATH.sub("ACCOUNT", arg))), None)


def main(argv: list[str] | None = None, commands: dict[str, tuple[str, str]] | None = None) -> int:
    """`commands`: the table to dispatch on (default COMMANDS; kokuho_local.cli.main passes a larger one)."""
    commands = COMMANDS if commands is None else commands
    argv = list(sys.argv[1:] if argv is None else argv)
    place = None if argv[:1] and argv[0] in TAKES_A_MY_NUMBER else _argument_with_my_number(argv)
    if place is not None:
        # Refused before anything runs or reads it: a number typed on a command line stays in the shell's history
        # and the process list, and a command would print it back in its errors (a file it cannot read).
        print(f"kokuho: argument {place} holds a My Number: none is given on a command line; nothing was done",
              file=sys.stderr)
        return 2
    parser = _Parser(prog="kokuho", description="kokuho — NHI back office")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in commands.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] not in commands:
        args = parser.parse_args(argv)  # prints usage / error for unknown commands
        parser.print_help()
        return 2
    module = importlib.import_module(commands[argv[0]][0])
    cmd_parser = _Parser(prog=f"kokuho {argv[0]}", description=commands[argv[0]][1])
    module.add_arguments(cmd_parser)
    args = cmd_parser.parse_args(argv[1:])
    return int(module.run(args))


if __name__ == "__main__":
    sys.exit(main())
