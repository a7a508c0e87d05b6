"""`kokuho qualification reindex`: rebuild the NHI file's search index (kokuho.records.search_index) from the
profiles — every person's keyed-hash index items and search-directory entries, stale directory entries
removed. The migration of an index written before its keys were keyed hashes (each index item keeps its
table key, so the clear keys are overwritten), and the clean-up after many renames and moves. Idempotent.

Runs against the AWS the environment points at (the qualification table from KOKUHO_TABLE_QUALIFICATION,
the personal-data key's alias), as the member of staff given by `--as`, who needs an active `read_qualification`
grant (exit 1 without, the refusal recorded) — every profile read is recorded, 100 persons an access record.
Changes made meanwhile index themselves as they commit.
"""

from __future__ import annotations

import argparse

PURPOSE = "検索索引の再作成 (国民健康保険法第9条: 資格管理)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    r = sub.add_parser("reindex", help="rebuild the search index's keyed hashes and directories (recorded)")
    r.add_argument("--as", dest="as_staff", required=True, help="your staff id (the reads are recorded)")
    r.add_argument("--terminal", default="cli", help="your terminal id (default: cli)")


def run(args: argparse.Namespace) -> int:
    from kokuho.access.grants import Function
    from kokuho.access.records import record_access
    from kokuho.cli.acting import acting
    from kokuho.records.search_index import reindex

    # it reads every profile: the member needs the grant that reads the file (資格照会), as the API does
    actor = acting("qualification reindex", args.as_staff, args.terminal, Function.READ_QUALIFICATION, PURPOSE,
                   subjects=["none"], category="qualification", operation="reindex")
    if isinstance(actor, int):
        return actor

    def recorded(person_ids: list[str]) -> None:
        for at in range(0, len(person_ids), 100):
            record_access(actor, person_ids[at:at + 100], "qualification", "reindex")

    counts = reindex(say=print, record=recorded)
    return 0 if counts["persons"] >= 0 else 1
