"""Fixtures of the embedded AWS for integration tests (moto, provisioned from tables.py and the catalog).

`aws`: a fresh embedded AWS per test (≈1–2 s). `aws_module`: one per test module, for read-only checks.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kokuho.platform.embedded import EmbeddedAWS, embedded_aws


@pytest.fixture
def aws() -> Iterator[EmbeddedAWS]:
    with embedded_aws() as handle:
        yield handle


@pytest.fixture(scope="module")
def aws_module() -> Iterator[EmbeddedAWS]:
    with embedded_aws() as handle:
        yield handle
