"""The named Athena queries run locally with DuckDB over a copy of the audit bucket (`kokuho trail query`).

DIR is laid out as the bucket: `AWSLogs/<account>/CloudTrail/<region>/<YYYY>/<MM>/<DD>/*.json[.gz]` (digests
are skipped) and the access records' daily export `access-records/<YYYY>/<MM>/<DD>/*.jsonl.gz`. Both become
tables of the names and columns Athena has (kokuho.trail.athena), the partition columns taken from the
folders, so the same SQL text runs here and on Athena. DuckDB is a development dependency: the security
team's workstation has it, the Lambda layer does not need it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from kokuho.trail.athena import (
    ACCESS_COLUMNS,
    ACCESS_EXPORT_PREFIX,
    ACCESS_TABLE,
    TRAIL_COLUMNS,
    TRAIL_TABLE,
    NamedQuery,
    QueryError,
)
from kokuho.trail.logs import TrailFileError, log_files

# Trino functions the queries use that DuckDB names otherwise: same meaning, so the text stays Athena's.
MACROS = (
    # Trino returns NULL for an object or an array at the path; DuckDB's json_extract_string their text.
    "CREATE MACRO json_extract_scalar(j, p) AS "
    "CASE WHEN json_type(j, p) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(j, p) END",
    "CREATE MACRO regexp_like(s, p) AS regexp_matches(s, p)",
    "CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)",
    "CREATE MACRO to_unixtime(t) AS epoch(t)",
)

_SCALARS = {"string": "VARCHAR", "bigint": "BIGINT", "int": "INTEGER", "boolean": "BOOLEAN", "double": "DOUBLE",
            "json": "JSON"}


def duckdb_type(hive: str) -> str:
    """DuckDB's spelling of a Glue/Hive type (`struct<a:string>` → `STRUCT("a" VARCHAR)`, `array<x>` → `x[]`)."""
    hive = hive.strip()
    if hive in _SCALARS:
        return _SCALARS[hive]
    if hive.startswith("array<") and hive.endswith(">"):
        return duckdb_type(hive[6:-1]) + "[]"
    if hive.startswith("struct<") and hive.endswith(">"):
        fields, depth, current = [], 0, ""
        for ch in hive[7:-1]:
            if ch == "," and depth == 0:
                fields.append(current)
                current = ""
                continue
            depth += ch == "<"
            depth -= ch == ">"
            current += ch
        fields.append(current)
        parts = []
        for f in fields:
            name, _, kind = f.partition(":")
            parts.append(f'"{name}" {duckdb_type(kind)}')
        return f"STRUCT({', '.join(parts)})"
    raise QueryError(f"type {hive!r} has no DuckDB spelling here")


def _select_list(columns: Sequence[tuple[str, str]], source: str) -> str:
    cols = []
    for name, kind in columns:
        value = f'{source}."{name}"'
        # a JSON object column is its text, as Athena's CloudTrail SerDe gives it
        value = f"CAST({value} AS VARCHAR)" if kind == "json" else value
        cols.append(f'{value} AS "{name.lower()}"')
    return ", ".join(cols)


def _sql_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _empty(columns: Sequence[tuple[str, str]], partitions: Sequence[str]) -> str:
    cols = [f'CAST(NULL AS {"VARCHAR" if kind == "json" else duckdb_type(kind)}) AS "{name.lower()}"'
            for name, kind in columns]
    cols += [f'CAST(NULL AS VARCHAR) AS "{p}"' for p in partitions]
    return f"SELECT {', '.join(cols)} WHERE false"


def trail_files(root: Path) -> list[Path]:
    """The CloudTrail log files under root in the bucket layout (a file elsewhere has no partition)."""
    return [p for p in log_files(root) if re.search(r"/CloudTrail/[^/]+/\d{4}/\d{2}/\d{2}/[^/]+$", p.as_posix())]


def access_files(root: Path) -> list[Path]:
    folder = root / ACCESS_EXPORT_PREFIX
    return sorted(folder.rglob("*.jsonl.gz")) + sorted(folder.rglob("*.jsonl")) if folder.is_dir() else []


def connect(root: Path) -> Any:
    """A DuckDB connection holding the two tables over the files under root (read once, in memory)."""
    try:
        import duckdb
    except ImportError as exc:  # pragma: no cover - the dev install has it
        raise QueryError("kokuho trail query needs DuckDB: ./scripts/setup installs it") from exc
    if not root.is_dir():
        raise TrailFileError(root, "not a readable directory")
    con = duckdb.connect()
    for macro in MACROS:
        con.execute(macro)
    day = r"'/(\d{4}/\d{2}/\d{2})/[^/]+$'"
    logs = trail_files(root)
    if logs:
        record_type = "STRUCT(" + ", ".join(f'"{n}" {duckdb_type(k)}' for n, k in TRAIL_COLUMNS) + ")[]"
        con.execute(
            f"CREATE TABLE {TRAIL_TABLE} AS SELECT {_select_list(TRAIL_COLUMNS, 'r')}, "
            r"regexp_extract(filename, '/CloudTrail/([^/]+)/\d{4}/', 1) AS region, "
            f'regexp_extract(filename, {day}, 1) AS "timestamp" '
            f"FROM (SELECT unnest(Records) AS r, filename FROM read_json({_sql_list(logs)}, "
            f"columns={{Records: '{record_type}'}}, filename=true, format='auto'))")
    else:
        con.execute(f"CREATE TABLE {TRAIL_TABLE} AS {_empty(TRAIL_COLUMNS, ('region', 'timestamp'))}")
    exports = access_files(root)
    if exports:
        columns = "{" + ", ".join(f"'{n}': '{duckdb_type(k)}'" for n, k in ACCESS_COLUMNS) + "}"
        con.execute(
            f"CREATE TABLE {ACCESS_TABLE} AS SELECT {_select_list(ACCESS_COLUMNS, 'a')}, "
            f"regexp_extract(a.filename, {day}, 1) AS day "
            f"FROM read_json({_sql_list(exports)}, columns={columns}, filename=true, "
            "format='newline_delimited') a")
    else:
        con.execute(f"CREATE TABLE {ACCESS_TABLE} AS {_empty(ACCESS_COLUMNS, ('day',))}")
    return con


def day_param(value: str, name: str) -> str:
    """A day as the partitions spell it (YYYY/MM/DD), from YYYY-MM-DD or YYYY/MM/DD."""
    try:
        parsed = date.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise QueryError(f"{name}: a day as YYYY-MM-DD") from None
    return parsed.strftime("%Y/%m/%d")


def bind(query: NamedQuery, values: Mapping[str, str]) -> list[str]:
    """The positional parameters of `query` from named values (a name used twice is given once)."""
    unknown = sorted(set(values) - set(query.params))
    if unknown:
        raise QueryError(f"{query.name}: unknown parameter(s) {unknown}; it takes {list(dict.fromkeys(query.params))}")
    missing = [p for p in dict.fromkeys(query.params) if p not in values]
    if missing:
        raise QueryError(f"{query.name}: missing parameter(s) {missing}")
    return [day_param(values[p], p) if p.startswith("day_") else values[p] for p in query.params]


def run_query(con: Any, query: NamedQuery, values: Mapping[str, str]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of one named query."""
    cursor = con.execute(query.sql, bind(query, values))
    return [d[0] for d in cursor.description], cursor.fetchall()
