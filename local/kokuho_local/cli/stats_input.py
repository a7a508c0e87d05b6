"""What `kokuho checkup-stats` and `kokuho collection-stats` share: the statistics JSON the API served, read from a
file or from standard input (`-`) and checked to be the document the command draws, and the files asked for."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kokuho.identity.request_bodies import holds_my_number


def stats_input(args: argparse.Namespace, command: str, required: Sequence[str], what: str) -> dict[str, Any] | None:
    """The document of `--stats` (a JSON object holding every key of `required`), or None after saying on stderr
    why not: unreadable, not JSON, not an object, a key missing (`what` names the API's document), a My Number in it
    anywhere (a key or a value, in any shape), or neither
    --csv nor --chart given."""
    try:
        text = sys.stdin.read() if args.stats == "-" else Path(args.stats).read_text("utf-8")
        doc = json.loads(text)
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
        for key in required:
            if key not in doc:
                raise ValueError(f"{key}: missing (not {what} of the API)")
        if holds_my_number(doc):  # figures, never a person: it would stand in the CSV and the chart as given
            raise ValueError(f"holds a My Number (never in {what} of the API); nothing written")
    except (OSError, ValueError) as exc:
        print(f"kokuho {command}: --stats: {exc}", file=sys.stderr)
        return None
    if not args.csv and not args.chart:
        print(f"kokuho {command}: give --csv FILE, --chart PNG or both", file=sys.stderr)
        return None
    return doc
