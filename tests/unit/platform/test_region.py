"""Lambda code talks to AWS in the region it runs in (issue 8 item 13: the DR copy runs in ap-northeast-3
and must not reach back to Tokyo)."""

from __future__ import annotations

import pytest

from kokuho.platform.tables import aws_region
from kokuho.records import assessments, base


@pytest.mark.parametrize("region", ["ap-northeast-3", "ap-northeast-1"])
def test_clients_follow_the_functions_region(monkeypatch: pytest.MonkeyPatch, region: str) -> None:
    monkeypatch.setenv("AWS_REGION", region)
    assert aws_region() == region
    assert base.region() == region
    assert assessments._s3().meta.region_name == region


def test_without_a_region_the_primary_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    assert aws_region() == "ap-northeast-1"
