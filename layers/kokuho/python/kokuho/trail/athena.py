"""The security team's Athena tables and named queries (issue 11 item 5), defined once for both engines.

The Audit stack creates the Glue tables from TABLES and one Athena named query per file under
kokuho/data/athena/; `kokuho trail query` runs the very same SQL text with DuckDB over a copy of the bucket
(kokuho.trail.duckdb_local), so each query is tested on real-format log files before Athena ever runs it.

The text keeps to what Athena (Trino) and DuckDB both understand: struct fields by dot, strings compared
as strings, `?` parameters in order, window functions. The few Trino functions DuckDB lacks
(json_extract_scalar, regexp_like, from_iso8601_timestamp, to_unixtime) are defined in DuckDB as macros of
the same meaning, so the text stays Athena's.

A query file starts with `--` header lines: `name:`, `description:`, `params:` (one name per `?`, in order;
days are `YYYY/MM/DD`, the partition format of both tables). In the body, `${table:LOGICAL}` becomes a
table's physical name and `${writer_own_roles:LOGICAL}` a regular expression matching the own roles that write
that table (as the detections do: kokuho.trail.detections.catalog_own_roles — an api function's own role, named as
the function, writes the record of a refused request), `${data_roles:LOGICAL}` /
`${writer_data_roles:LOGICAL}` one matching the names of those functions' data-access roles
(kokuho.access.data_role); `purger_data_roles` the same of the function granted "purge" on the table (the
retention run on the access log: its data-access role, never a session's name, which whoever assumes a role chooses),
and `${threshold:NAME}` the named detection threshold
(`-- detection: ID` in the header), so no query holds a second copy of a name or a number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from kokuho.platform.catalog.model import data_role_name
from kokuho.trail.detections import (
    _table_names,
    by_id,
    catalog_function_logicals,
    catalog_own_roles,
    load_detections,
)

DATABASE = "kokuho_audit"
TRAIL_TABLE = "cloudtrail_logs"
ACCESS_TABLE = "access_records"
# The access records' daily export in the audit bucket (JSON Lines, gzip), partitioned like the trail.
ACCESS_EXPORT_PREFIX = "access-records"
DAY_FORMAT = "yyyy/MM/dd"  # both tables' partition `day` / `timestamp` (Athena projection syntax)
PROJECTION_START = "2024/01/01"

# The CloudTrail table as AWS documents it for Athena (CloudTrail record contents, domain.md §7): JSON keys
# as written in the logs (Athena folds them to lower case; DuckDB reads the keys as written). Columns of
# type `json` hold an object Athena keeps as its JSON text (read with json_extract_scalar).
TRAIL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("eventVersion", "string"),
    ("userIdentity", "struct<type:string,principalId:string,arn:string,accountId:string,invokedBy:string,"
                     "accessKeyId:string,userName:string,sessionContext:struct<attributes:struct<"
                     "mfaAuthenticated:string,creationDate:string>,sessionIssuer:struct<type:string,"
                     "principalId:string,arn:string,accountId:string,userName:string>,"
                     "sourceIdentity:string>>"),
    ("eventTime", "string"),
    ("eventSource", "string"),
    ("eventName", "string"),
    ("awsRegion", "string"),
    ("sourceIPAddress", "string"),
    ("userAgent", "string"),
    ("errorCode", "string"),
    ("errorMessage", "string"),
    ("requestParameters", "json"),
    ("responseElements", "json"),
    ("additionalEventData", "json"),
    ("requestID", "string"),
    ("eventID", "string"),
    ("readOnly", "string"),
    ("resources", "array<struct<ARN:string,accountId:string,type:string>>"),
    ("eventType", "string"),
    ("apiVersion", "string"),
    ("managementEvent", "string"),
    ("recipientAccountId", "string"),
    ("sharedEventID", "string"),
    ("vpcEndpointId", "string"),
    ("eventCategory", "string"),
    ("tlsDetails", "struct<tlsVersion:string,cipherSuite:string,clientProvidedHostHeader:string>"),
)
# Partition columns of the trail table: the region folder and the day folder of the bucket layout.
TRAIL_PARTITIONS: tuple[tuple[str, str], ...] = (("region", "string"), ("timestamp", "string"))

# One access record a line (kokuho.access.export): what the security team joins with the trail.
ACCESS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("at", "string"),
    ("staff_id", "string"),
    ("terminal_id", "string"),
    ("purpose", "string"),
    ("subject_ids", "array<string>"),
    ("category", "string"),
    ("operation", "string"),
    ("result", "string"),
    ("chain", "string"),
    ("seq", "bigint"),
    # the request that caused it (kokuho.platform.request_ids): its AWS calls' userAgent carries request_id
    ("request_id", "string"),
    ("api_request_id", "string"),
    ("run_id", "string"),
)
ACCESS_PARTITIONS: tuple[tuple[str, str], ...] = (("day", "string"),)

# Regions a multi-region trail writes folders for (projection enum): every commercial region, so a call
# made outside Japan is found by the outside-japan query too.
TRAIL_REGIONS: tuple[str, ...] = (
    "ap-northeast-1", "ap-northeast-3", "ap-northeast-2", "ap-east-1", "ap-south-1", "ap-south-2",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
    "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
    "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
    "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1",
)


class QueryError(ValueError):
    """A named query file or a run of one asked wrongly (names the query and the field)."""


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    params: tuple[str, ...]
    sql: str                      # as rendered: the text Athena stores and DuckDB runs
    detection: str | None = None  # the detection it reports, when it is one
    source: str = field(default="", compare=False)


def glue_type(athena_type: str) -> str:
    """Glue/Hive column type: JSON objects are kept as their text."""
    return "string" if athena_type == "json" else athena_type


_PLACEHOLDER = re.compile(
    r"\$\{(table|writer_own_roles|data_roles|writer_data_roles|purger_data_roles|threshold)"
    r":([a-z_-]+)\}")


def _own_roles_regex(table: str, access: str | None) -> str:
    # the session issuer's name: an api function's own role is named as the function (kokuho.trail.detections)
    try:
        names = catalog_own_roles(table, access)
    except ValueError as exc:
        raise QueryError(str(exc)) from None
    return "^(" + "|".join(re.escape(n) for n in sorted(names)) + ")$"


def _data_roles_regex(table: str, access: str | None) -> str:
    # the data-access roles of the catalog's api functions using that table (kokuho.access.data_role): the
    # session issuer's name; their sessions are named by the member of staff (as the detections do)
    names = [data_role_name(f"kokuho-{logical}")
             for logical in catalog_function_logicals(table, access, with_data_role=True)]
    if not names:
        raise QueryError(f"no function of the catalog reaches table {table!r} through a data-access role")
    return "^(" + "|".join(re.escape(n) for n in sorted(names)) + ")$"


def render(sql: str, thresholds: Mapping[str, int] | None = None, source: str = "") -> str:
    """Replace the placeholders (see the module docstring); raises QueryError naming an unknown one."""
    thresholds = thresholds or {}

    def one(m: re.Match[str]) -> str:
        kind, arg = m.group(1), m.group(2)
        if kind == "table":
            try:
                return str(_table_names(f"${{table:{arg}}}"))
            except ValueError as exc:
                raise QueryError(f"{source}: {exc}") from exc
        if kind == "threshold":
            if arg not in thresholds:
                raise QueryError(f"{source}: threshold {arg!r} is not one of the detection's")
            return str(int(thresholds[arg]))
        # writer_*: the functions granted write (the retention's purge writes too); purger_*: the one granted purge.
        # Roles, never session names (whoever assumes a role names its session).
        access = "write" if kind.startswith("writer_") else "purge" if kind.startswith("purger_") else None
        if kind in ("data_roles", "writer_data_roles", "purger_data_roles"):
            return _data_roles_regex(arg, access)
        return _own_roles_regex(arg, access)

    return _PLACEHOLDER.sub(one, sql)


def parse_query(text: str, source: str, thresholds: Mapping[str, int] | None = None) -> NamedQuery:
    header: dict[str, str] = {}
    body: list[str] = []
    in_header = True
    for line in text.splitlines():
        m = re.match(r"^--\s*([a-z_]+):\s*(.*)$", line) if in_header else None
        if m:
            key = m.group(1)
            header[key] = f"{header[key]} {m.group(2).strip()}" if key in header else m.group(2).strip()
            continue
        if in_header and line.startswith("--"):
            continue
        in_header = False
        body.append(line)
    for key in ("name", "description"):
        if not header.get(key):
            raise QueryError(f"{source}: header `-- {key}:` missing")
    detection = header.get("detection") or None
    if detection is not None:
        found = by_id(load_detections()).get(detection)
        if found is None:
            raise QueryError(f"{source}: detection {detection!r} is not shipped")
        thresholds = {**found.thresholds, **(thresholds or {})}
    params = tuple(header.get("params", "").split())
    sql = render("\n".join(body).strip(), thresholds, source)
    placeholders = len(re.findall(r"\?", re.sub(r"'[^']*'", "", sql)))
    if placeholders != len(params):
        raise QueryError(f"{source}: {placeholders} `?` in the text but params names {len(params)}")
    return NamedQuery(header["name"], header["description"], params, sql, detection, source)


def _files() -> list[tuple[str, str]]:
    folder = resources.files("kokuho.data").joinpath("athena")
    return [(e.name, e.read_text("utf-8")) for e in sorted(folder.iterdir(), key=lambda e: e.name)
            if e.name.endswith(".sql")]


@cache
def load_queries() -> tuple[NamedQuery, ...]:
    """The shipped named queries, in file-name order (each name once)."""
    out = [parse_query(text, f"athena/{name}") for name, text in _files()]
    names = [q.name for q in out]
    if len(set(names)) != len(names):
        raise QueryError(f"athena: a query name is used twice: {names}")
    return tuple(out)


def query_named(name: str, thresholds: Mapping[str, int] | None = None) -> NamedQuery:
    """One named query, rendered with `thresholds` over its detection's (for the tests' inline cases)."""
    for file_name, text in _files():
        q = parse_query(text, f"athena/{file_name}")
        if q.name == name:
            return parse_query(text, f"athena/{file_name}", thresholds) if thresholds else q
    raise QueryError(f"no named query {name!r} (kokuho trail query --list)")
