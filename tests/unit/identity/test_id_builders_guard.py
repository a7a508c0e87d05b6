"""Finds the ids the code builds by joining numbers with hyphens — a year, a month, a day, a count next to another
value — in every f-string of the layer, the handlers and the local tools. Such an id can hold twelve digits in
hyphenated groups ("2024-20240722", "12345678-2024"), which reads as a My Number one time in eleven: refused in an
access record or a URL, redacted from every log line, caught by the API's leak scan. A new one fails here until it
puts a letter before each number (`NOZ-FY2024-D20240615`, kokuho.collection.ports.ledger_item_id), takes a digest
through kokuho.identity.mynumber.id_digest, or is shown safe — then it is listed below with the reason. Likewise
every random draw (secrets.token_hex/token_urlsafe, uuid4) is made through unmistakable_id or listed with why not."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ("layers/kokuho/python", "functions", "local")
SEPARATOR = re.compile(r"^[-\u2010-\u2015\u2212\u30fc]+$")  # what the My Number scan takes to join digit groups
NUMBER_TEXT = re.compile(r"fy|fiscal_year|year|month|day|date|serial|count|number|line|seq|round|version|installment"
                         r"|isoformat|strftime|^[nimyd]$|^on$")
# A calendar month or day written as it is (YYYY-MM, YYYY-MM-DD): eight digits at most, never twelve.
CALENDAR = re.compile(r"^\{[^{}]+:04d\}-\{[^{}]+:02d\}(-01|-\{[^{}]+:02d\})?$")

REVIEWED: dict[tuple[str, str], str] = {
    ("layers/kokuho/python/kokuho/access/records.py",
     "{OWN_CHAIN_PREFIX}{function}#{datetime.now(UTC):%Y%m%d}-{name}"):
        "the name is 16 random lower-case letters: the day's 8 digits join nothing",
    ("layers/kokuho/python/kokuho/assessment/run_input.py", "{mode}-{fiscal_year}-{as_of_month}"):
        "a run id: the mode's letters, then 4 + 4 + 2 = 10 digits",
    ("layers/kokuho/python/kokuho/benefits/receipt_intake.py", "{digest}-{r.line}"):
        "the digest is lower-case base32 (kokuho.intake.framing.file_digest): digits 2–7 only, so its last run of"
        " k digits joins the line number one file in (32/6)^k",
    ("layers/kokuho/python/kokuho/collection/arrears_runs.py", "SK-{key[0]}-{key[1]}-{on:%Y%m}"):
        "the month's 催告 as stored before its letters: only compared, never built anew",
    ("layers/kokuho/python/kokuho/collection/payment_files.py", "KF-{number}-{on.isoformat()}"):
        "a 納付番号 is one run of 18 digits (kokuho.collection.slips), the day 4 + 2 + 2: no run of groups makes 12",
    ("layers/kokuho/python/kokuho/collection/pension_run.py", "{kind}-{month}"):
        "the kind is 仮徴収, 本徴収 or 中止 (letters) before a YYYY-MM month, after ledger_item_id's FY<year>",
    ("layers/kokuho/python/kokuho/collection/statistics.py", "{y}-{m:02d}"): "a calendar month, YYYY-MM",
    ("layers/kokuho/python/kokuho/health/periods.py", "IRY-{self.fiscal_year}-{self.round}-{self.issued_on:%Y%m%d}"):
        "4 + 1 + 8 digits (a round is 1 or 2): no run of groups makes 12 (tests/unit/identity/test_print_ids.py)",
    ("layers/kokuho/python/kokuho/health/vouchers.py", "{low}-{low + 4}"): "an age band, 40-44",
    ("layers/kokuho/python/kokuho/linkage/federation_export.py", "QC-{CITY_MUNICIPALITY}-{day:%Y%m%d}"):
        "the federation's name: 6 + 8 digits, never 12 (tests/unit/identity/test_print_ids.py)",
    ("layers/kokuho/python/kokuho/linkage/federation_export.py", "KG-{CITY_MUNICIPALITY}-{month.replace('-', '')}"):
        "the federation's name (6 + 6 digits): judged as an identifier where it goes (the chain, the codec's"
        " file_id; tests/integration/linkage/test_linkage_federation_and_transfers.py)",
    ("local/kokuho_local/demo/collection.py", "annual-{fy}-{fy}-06"): "a run name: 4 + 4 + 2 = 10 digits",
    ("local/kokuho_local/demo/collection.py", "monthly-{fy}-{month}"): "a run name: 4 + 4 + 2 = 10 digits",
    ("local/kokuho_local/demo/collection.py", "MADO-{on:%Y%m%d}-{hh}"): "the demo's households are H + 7 digits",
    ("local/kokuho_local/local_api.py", "{street}{household_no % 9 + 1}-{household_no % 30 + 1}"):
        "a synthetic address (1-1 … 9-30)",
    ("local/kokuho_local/synthetic/payments.py", "{code}-{on:%Y%m%d}-{hh}-{n}"):
        "the synthetic city's households are H + 7 digits: the letter parts the day from the household",
}


def _holds_a_number(value: ast.FormattedValue) -> bool:
    spec = ast.unparse(value.format_spec) if value.format_spec else ""
    return bool(re.search(r"%[YmdyHM]|\d+d", spec)) or isinstance(value.value, ast.BinOp) \
        or bool(NUMBER_TEXT.search(ast.unparse(value.value)))


def _joined_numbers(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.JoinedStr):
            continue
        parts = node.values
        if any(isinstance(p, ast.Constant) and re.search(r"\s", str(p.value)) for p in parts):
            continue  # a sentence (a message, a title), not an id or a key
        source = ast.unparse(node)[2:-1]
        if CALENDAR.match(source):
            continue
        for a, sep, b in zip(parts, parts[1:], parts[2:], strict=False):
            if isinstance(a, ast.FormattedValue) and isinstance(b, ast.FormattedValue) \
                    and isinstance(sep, ast.Constant) and SEPARATOR.match(str(sep.value)) \
                    and (_holds_a_number(a) or _holds_a_number(b)):
                yield source
                break


@cache
def found() -> frozenset[tuple[str, str]]:
    paths = [path for top in SOURCES for path in sorted((ROOT / top).rglob("*.py")) if ".venv" not in path.parts]
    return frozenset((str(path.relative_to(ROOT)), source) for path in paths for source in _joined_numbers(path))


def test_every_id_joining_numbers_with_hyphens_is_reviewed() -> None:
    unreviewed = sorted(found() - set(REVIEWED))
    assert unreviewed == [], (
        "ids joining numbers with hyphens can hold twelve digits that read as a My Number: put a letter before each"
        f" number, or show why not and list them in REVIEWED — {unreviewed}")


# Random draws that are not drawn through unmistakable_id, each with why it needs not be.
REVIEWED_DRAWS: dict[tuple[str, str], str] = {
    ("layers/kokuho/python/kokuho/access/records.py", "secrets.token_hex(4)"):
        "the staff index's sort key: eight hex characters after '#', at most eight digits in a row",
    ("layers/kokuho/python/kokuho/records/household_cases.py", "secrets.token_hex(8)"):
        "the case's change id: stored and compared only, never shown (owner: the assessment store)",
    ("layers/kokuho/python/kokuho/records/assessment_store.py", "secrets.token_hex(8)"):
        "the VDOCS item's sort key: stored only, named by the version pointers (owner: the assessment store)",
    ("local/kokuho_local/local_api.py", "secrets.token_urlsafe(32)"):
        "a signing key held in memory, never written anywhere",
    ("local/kokuho_local/sandbox.py", "secrets.token_hex(10)"): "drawn again while it holds twelve digits in a row",
    ("local/kokuho_local/demo/linkage.py", "secrets.token_hex(4)"): "an execution name of eight hex characters",
    ("local/kokuho_local/local_lambda.py", "uuid.uuid4()"): "AWS's request id (is_aws_request_id)",
    ("local/kokuho_local/local_api.py", "uuid.uuid4()"): "API Gateway's request id (is_aws_request_id)",
    ("local/kokuho_local/trail_recorder.py", "uuid.uuid4()"):
        "CloudTrail's request and event ids, as AWS writes them (the local trail scrubs a value holding one)",
    ("local/kokuho_local/trail_recorder.py", "secrets.token_hex(8)"):
        "the unique part of a CloudTrail file name, after '_' (the local trail's files only)",
}
DRAWS = {("secrets", "token_hex"), ("secrets", "token_urlsafe"), ("uuid", "uuid4")}


def _draws(path: Path) -> Iterator[str]:
    """Each random draw in a module not made inside `unmistakable_id(lambda: …)`."""
    tree = ast.parse(path.read_text("utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and (node.func.value.id, node.func.attr) in DRAWS):
            continue
        at: ast.AST = node
        drawn_again = False
        while at in parents:
            up = parents[at]
            if isinstance(at, ast.Lambda) and isinstance(up, ast.Call) and ast.unparse(up.func) == "unmistakable_id":
                drawn_again = True
            at = up
        if not drawn_again:
            yield ast.unparse(node)


@cache
def draws() -> frozenset[tuple[str, str]]:
    paths = [path for top in SOURCES for path in sorted((ROOT / top).rglob("*.py")) if ".venv" not in path.parts]
    return frozenset((str(path.relative_to(ROOT)), draw) for path in paths for draw in _draws(path))


def test_every_random_id_is_drawn_through_unmistakable_id_or_reviewed() -> None:
    """A random token of twelve hex characters or more holds twelve digits with a valid check digit about once in
    a few hundred draws: an id the system draws goes through kokuho.identity.mynumber.unmistakable_id."""
    assert sorted(draws() - set(REVIEWED_DRAWS)) == []


def test_the_guard_finds_a_random_id_not_drawn_again(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import secrets\nfrom kokuho.identity.mynumber import unmistakable_id\n"
                      "a = f'Q{secrets.token_hex(10)}'\n"
                      "b = unmistakable_id(lambda: f'Q{secrets.token_hex(10)}')\n", "utf-8")
    assert list(_draws(module)) == ["secrets.token_hex(10)"]


def test_the_guard_finds_an_id_of_a_year_and_a_day(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('def print_id(fy, on):\n    return f"NOZ-{fy}-{on:%Y%m%d}"\n'
                      'def safe(fy, on):\n    return f"NOZ-FY{fy}-D{on:%Y%m%d}"\n'
                      'def month(y, m):\n    return f"{y:04d}-{m:02d}"\n', "utf-8")
    assert list(_joined_numbers(module)) == ["NOZ-{fy}-{on:%Y%m%d}"]
