"""Suite-wide guard: no test's captured output (stdout, stderr, log records) may contain a valid
My Number (個人番号). The redaction filter should already have removed any 12-digit run from our
loggers, so a hit here means a leak through print, an exception, a third-party logger or a
response echoed somewhere — the test fails and names the place, never the number.

Twelve-digit runs inside identifiers (UUID groups, base64url hashes, ARNs) are not candidates:
a My Number in a log stands on its own.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import pytest

from kokuho.identity.mynumber import count_my_numbers
from kokuho_local.embedded import EmbeddedAWS, embedded_aws, shared_botocore_loader


@pytest.fixture(scope="session", autouse=True)
def _one_botocore_loader() -> Iterator[None]:
    """Every botocore session of the run (moto's, pynamodb's, the tests' own) shares one data loader: the
    service JSON is parsed once per process instead of once per session (half of the suite's CPU)."""
    with shared_botocore_loader():
        yield


@pytest.fixture
def aws() -> Iterator[EmbeddedAWS]:
    """A fresh embedded AWS (moto, provisioned from tables.py and the catalog) per test (≈1–2 s)."""
    with embedded_aws() as handle:
        yield handle


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or report.failed or item.get_closest_marker("allow_my_number_output"):
        return
    for title, content in report.sections:
        found = count_my_numbers(content)
        if found:
            report.outcome = "failed"
            report.longrepr = (
                f"My Number leak: {found} valid My Number(s) in '{title}' of this test "
                "(numbers not shown; rerun with -s to locate)."
            )
            return


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: absent with -p no:xdist
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto` (pyproject) gives every core to the whole suite (no path named: pytest's testpaths) and one
    process to a run of named files or folders, where starting and collecting on each worker costs more
    than it saves on a shared machine (`-n 2` asks for workers anyway)."""
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        return 0
    return None  # xdist's own count: the cores


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """The suite runs on every core (pyproject: `-n auto --dist loadfile`). A file stays on one worker, so its
    module fixtures (an embedded AWS, a monthly run) are built once; and the CDK tests (tests/infra) are one
    unit, so the app is synthesized once (a session fixture) instead of on each worker."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FileOrCdkScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "tests/infra" if nodeid.startswith("tests/infra/") else super()._split_scope(nodeid)

    return FileOrCdkScheduling(config, log)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_my_number_output: the test prints a My Number on purpose (none should)"
    )
