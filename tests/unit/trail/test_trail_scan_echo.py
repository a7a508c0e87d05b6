"""Auditor's probe of `kokuho trail scan`: a record's eventTime that is not a time was echoed into the error
(`eventTime '…' is not an ISO 8601 time`) — a value from the file, which may be anything, a My Number included. The
error names the file, the record and the field, never the value."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from trail_fixtures import log_path, record, write_log

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "identity"))
from mynumber_shapes import NUMBER, SHAPES  # noqa: E402

from kokuho.cli.main import main  # noqa: E402
from kokuho.identity.mynumber import count_my_numbers  # noqa: E402


@pytest.mark.parametrize("value", [SHAPES["plain"](NUMBER), SHAPES["hyphens"](NUMBER), f"2024-01-01T{NUMBER}"])
def test_a_bad_event_time_is_named_never_echoed(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 value: str) -> None:
    write_log(log_path(tmp_path, 0), [{**record("StopLogging", "cloudtrail.amazonaws.com", 1), "eventTime": value}])
    assert main(["trail", "scan", "--logs", str(tmp_path), "--json"]) == 2
    _, err = capsys.readouterr()
    assert "record 0" in err and "eventTime" in err
    assert count_my_numbers(err, inside_identifiers=True) == 0 and value not in err


def test_an_event_time_without_a_zone_is_named_never_echoed(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    write_log(log_path(tmp_path, 0), [{**record("StopLogging", "cloudtrail.amazonaws.com", 1),
                                       "eventTime": "2024-01-01T00:00:00"}])
    assert main(["trail", "scan", "--logs", str(tmp_path), "--json"]) == 2
    _, err = capsys.readouterr()
    assert "record 0: eventTime" in err and "2024-01-01T00:00:00" not in err


def test_validate_names_a_digests_bad_fingerprint_or_algorithm_never_echoing_it(
        tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]) -> None:
    import gzip
    import json

    from trail_fixtures import SignedTrail

    trail = SignedTrail(tmp_path_factory.mktemp("trail") / "bucket", hours=2, logs_per_hour=1, key_bits=1024)
    for digest, field in zip(trail.digests, ("digestPublicKeyFingerprint", "digestSignatureAlgorithm"), strict=False):
        path = trail.root / digest
        doc = json.loads(gzip.decompress(path.read_bytes()))
        doc[field] = f"x{SHAPES['hyphens'](NUMBER)}"
        path.write_bytes(gzip.compress(json.dumps(doc).encode()))
    assert main(["trail", "validate", "--logs", str(trail.root), "--public-keys", str(trail.public_keys)]) == 1
    out, err = capsys.readouterr()
    assert "INVALID" in out
    assert count_my_numbers(out + err, inside_identifiers=True) == 0


@pytest.mark.parametrize("as_json", [True, False])
def test_a_finding_never_prints_a_my_number_the_log_holds(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          as_json: bool) -> None:
    """Probe: a finding printed its principal and event ids as the log gave them — a session whose sourceIdentity or
    role session name someone set to a My Number, an eventID shaped as one: `trail scan` put the number in its JSON
    and its table. Findings are still found and grouped by the value as logged; what is printed holds no My Number
    (an ARN's account and an AWS event id's UUID are printed as they are)."""
    from trail_fixtures import staff_identity

    who = SHAPES["plain"](NUMBER)
    events = [{**record("StopLogging", "cloudtrail.amazonaws.com", 1, staff_identity(who)),
               "eventID": SHAPES["hyphens"](NUMBER)},
              {**record("DisableKey", "kms.amazonaws.com", 2, staff_identity(f"x{who}")), "eventID": "e-2"},
              {**record("PutKeyPolicy", "kms.amazonaws.com", 3, {"type": "AssumedRole", "arn": (
                  f"arn:aws:sts::123456789012:assumed-role/kokuho-data-access/{SHAPES['hyphens'](NUMBER)}")}),
               "eventID": "e-3"}]
    write_log(log_path(tmp_path, 0), events)
    assert main(["trail", "scan", "--logs", str(tmp_path), *(["--json"] if as_json else [])]) == 0
    out, _ = capsys.readouterr()
    assert "trail-tampering" in out and out.count("key-disabled") >= 2
    assert "arn:aws:sts::123456789012:assumed-role/" in out
    assert count_my_numbers(out, inside_identifiers=True) == 0


def _leaky_events() -> list[dict[str, Any]]:
    from trail_fixtures import ACCOUNT

    number = SHAPES["plain"](NUMBER)
    tamper = ("StopLogging", "cloudtrail.amazonaws.com")
    return [
        # a fraction of a second is accepted as ISO 8601 at any length, and `first`/`last` printed it as written
        {**record(*tamper, 1), "eventTime": f"2024-11-05T01:00:03.{number}Z"},
        # an eventID that is not a string (a number, a list) was printed as it was, unchecked
        {**record(*tamper, 2), "eventID": int(number)},
        {**record(*tamper, 3), "eventID": [SHAPES["hyphens"](NUMBER)]},
        # only an ARN's last part was checked: a role name or a user's path before it was printed as logged
        record(*tamper, 4, {"type": "AssumedRole",
                            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/kokuho-{number}/S0301"}),
        record(*tamper, 5, {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/{SHAPES['hyphens'](NUMBER)}/bob"}),
    ]


@pytest.mark.parametrize("as_json", [True, False])
def test_no_part_of_a_finding_prints_a_my_number_the_log_holds(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               as_json: bool) -> None:
    """Probe (the security team, against interfaces.md): a My Number written into a record's eventTime fraction, a
    non-string eventID or the part of an ARN before its last '/' reached the findings as written. Every finding is
    still reported, and the ARN's account as logged."""
    from trail_fixtures import ACCOUNT

    write_log(log_path(tmp_path, 0), _leaky_events())
    assert main(["trail", "scan", "--logs", str(tmp_path), *(["--json"] if as_json else [])]) == 0
    out, err = capsys.readouterr()
    assert sum(1 for line in out.splitlines() if "trail-tampering" in line and "findings" not in line) == 5
    assert f"arn:aws:sts::{ACCOUNT}:assumed-role/" in out and f"arn:aws:iam::{ACCOUNT}:user/" in out
    assert "S0301" in out and "2024-11-05T01:00:03" in out
    assert count_my_numbers(out + err, inside_identifiers=True) == 0 and NUMBER not in out
