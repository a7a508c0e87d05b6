"""The detection files: each one well-formed, carrying the documentation the security team needs, and its
inline test records (real-format events with the expected findings) give what they say."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from kokuho.trail.detections import Detection, DetectionError, compile_match, load_detections, parse_detection
from kokuho.trail.scan import check_detection

CONTRACT_RULES = {"trail-tampering", "key-disabled", "bulk-read", "access-denied", "outside-japan"}
DETECTIONS = load_detections()


def _raw(name: str) -> dict[str, object]:
    text = resources.files("kokuho.data").joinpath("detections").joinpath(f"{name}.json").read_text("utf-8")
    return dict(json.loads(text))


def test_the_contract_rules_are_shipped() -> None:
    assert CONTRACT_RULES <= {d.id for d in DETECTIONS}


def test_one_file_per_detection_named_for_its_id() -> None:
    folder = resources.files("kokuho.data").joinpath("detections")
    names = sorted(e.name for e in folder.iterdir() if e.name.endswith(".json"))
    assert names == sorted(f"{d.id}.json" for d in DETECTIONS)


@pytest.mark.parametrize("detection", DETECTIONS, ids=lambda d: d.id)
def test_inline_test_records_give_the_expected_findings(detection: Detection) -> None:
    assert check_detection(detection) == []
    # Each detection shows both sides: a case that fires and one that does not.
    assert any(case.expect for case in detection.tests) and any(not case.expect for case in detection.tests)


@pytest.mark.parametrize("detection", DETECTIONS, ids=lambda d: d.id)
def test_documented_for_the_security_team(detection: Detection) -> None:
    assert len(detection.runbook) > 100 and detection.title and detection.description
    assert all(t.technique.startswith("T") for t in detection.mitre_attack)


def test_a_wrong_expectation_is_reported() -> None:
    raw: dict[str, Any] = _raw("key-disabled")
    raw["tests"][0]["expect"] = []
    failures = check_detection(parse_detection(raw, "key-disabled.json"))
    assert len(failures) == 1 and "DisableKey is reported" in failures[0]


@pytest.mark.parametrize("bad", [
    {"field": "eventName"},
    {"field": "eventName", "in": ["A"], "prefix": "B"},
    {"field": "eventName", "equals": "A"},
    {"some": []},
])
def test_a_malformed_match_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(DetectionError):
        compile_match(bad)


def test_a_window_detection_needs_its_thresholds() -> None:
    raw: dict[str, Any] = _raw("bulk-read")
    del raw["thresholds"]["window_seconds"]
    with pytest.raises(DetectionError, match="window_seconds"):
        parse_detection(raw, "bulk-read.json")


def test_wildcard_paths_and_absent_fields() -> None:
    batch = compile_match({"field": "requestParameters.statements.*.statement", "regex": "^select",
                           "ignore_case": True})
    assert batch({"requestParameters": {"statements": [{"statement": "UPDATE t"}, {"statement": "Select 1"}]}})
    assert not batch({"requestParameters": {"statements": [{"statement": "UPDATE t"}]}})
    assert not batch({"requestParameters": None})
    absent = compile_match({"field": "tlsDetails.clientProvidedHostHeader", "in": [None]})
    assert absent({}) and not absent({"tlsDetails": {"clientProvidedHostHeader": "sts.ap-northeast-1.amazonaws.com"}})


def test_sessions_are_recognised_by_the_names_the_functions_are_deployed_with() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    from infra.settings import DeploySettings
    from kokuho.platform.catalog import FUNCTIONS
    from kokuho.trail.detections import catalog_function_names

    settings = DeploySettings("123456789012", "ap-northeast-1")
    assert catalog_function_names("mynumber") == [settings.function_name(f.logical) for f in FUNCTIONS
                                                  if "mynumber" in f.tables]
    writers = catalog_function_names("access_log", "write")
    assert writers == [settings.function_name(f.logical) for f in FUNCTIONS
                       if f.tables.get("access_log") in ("write", "purge")]
    assert catalog_function_names("access_log", "purge") == ["kokuho-linkage-retention-purge"]
    assert "kokuho-audit-verify" not in writers
    # the own roles that append records (a refused request's) are the api functions', named as the function
    from kokuho.trail.detections import catalog_own_roles

    assert catalog_own_roles("access_log", "write") == [settings.function_name(f.logical) for f in FUNCTIONS
                                                         if f.api and "access_log" in f.tables]


def test_table_references_resolve_to_the_tables_physical_names() -> None:
    held = compile_match({"field": "requestParameters.tableName", "in": ["${table:access_log}"]})
    assert held({"requestParameters": {"tableName": "kokuho-access-log"}})
    with pytest.raises(DetectionError, match="unknown table"):
        compile_match({"field": "requestParameters.tableName", "in": ["${table:nowhere}"]})
    with pytest.raises(DetectionError, match="no function"):
        compile_match({"field": "userIdentity.sessionContext.sessionIssuer.userName",
                       "own_role_of": {"table": "nowhere"}})
