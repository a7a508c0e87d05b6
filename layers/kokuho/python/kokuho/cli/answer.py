"""Writing a calculation command's answer (`kokuho premium`, `kokuho kogaku`, `kokuho late-charge`).

Written and flushed here, so that a full disk or a closed pipe ends in one line on stderr and exit 1 — never a
traceback, never exit 0 for an answer that did not arrive (exit 2 stays the case's refusals, interfaces.md).
"""

from __future__ import annotations

import os
import sys

EXIT_UNWRITTEN = 1


def write_answer(text: str) -> int:
    """Print `text` and a newline on stdout; 0, or EXIT_UNWRITTEN with the reason on stderr."""
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except OSError as exc:
        _discard_stdout()
        print(f"kokuho: cannot write the answer to standard output ({exc.strerror or exc})", file=sys.stderr)
        return EXIT_UNWRITTEN
    return 0


def _discard_stdout() -> None:
    # What stays buffered is flushed again at exit, fails again and turns the exit status into 120: point the
    # descriptor at /dev/null first (the remedy the Python documentation gives for a closed pipe).
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no descriptor (a test's stand-in): nothing is buffered there
        pass


__all__ = ["EXIT_UNWRITTEN", "write_answer"]
