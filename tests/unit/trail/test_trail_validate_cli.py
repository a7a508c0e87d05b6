"""`kokuho trail validate` (interfaces.md, domain.md §7) on a real signed chain: three hourly digests signed
with RSA keys that rotate, two log files each, every change the contract names."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from trail_fixtures import SignedTrail, get_item, log_path, write_log

from kokuho.cli.main import main


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> SignedTrail:
    return SignedTrail(tmp_path_factory.mktemp("trail") / "bucket")


@pytest.fixture
def trail(template: SignedTrail, tmp_path: Path) -> SignedTrail:
    copy = SignedTrail.__new__(SignedTrail)
    copy.__dict__.update(template.__dict__)
    copy.root = tmp_path / "bucket"
    shutil.copytree(template.root, copy.root)
    copy.public_keys = tmp_path / "keys.json"
    shutil.copy(template.public_keys, copy.public_keys)
    return copy


def validate(capsys: pytest.CaptureFixture[str], trail: SignedTrail) -> tuple[int, dict[str, tuple[str, str]]]:
    code = main(["trail", "validate", "--logs", str(trail.root), "--public-keys", str(trail.public_keys), "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(set(o) == {"file", "kind", "status"} for o in lines)
    files = {o["file"]: (o["kind"], o["status"]) for o in lines}
    assert len(files) == len(lines), "each file once"
    return code, files


def expected(trail: SignedTrail, **changes: tuple[str, str]) -> dict[str, tuple[str, str]]:
    out = {d: ("digest", "valid") for d in trail.digests} | {log: ("log", "valid") for log in trail.logs}
    return out | changes


def test_an_intact_chain_is_valid(trail: SignedTrail, capsys: pytest.CaptureFixture[str]) -> None:
    code, files = validate(capsys, trail)
    assert (code, files) == (0, expected(trail))


def test_an_edited_log_is_invalid(trail: SignedTrail, capsys: pytest.CaptureFixture[str]) -> None:
    edited = trail.root / trail.logs[3]
    records = json.loads(gzip.decompress(edited.read_bytes()))["Records"]
    records.pop()  # an event removed from the log
    edited.write_bytes(gzip.compress(json.dumps({"Records": records}).encode()))
    code, files = validate(capsys, trail)
    assert (code, files) == (1, expected(trail, **{trail.logs[3]: ("log", "invalid")}))


def test_a_log_no_longer_gzip_is_invalid(trail: SignedTrail, capsys: pytest.CaptureFixture[str]) -> None:
    (trail.root / trail.logs[0]).write_bytes(b"{}")
    code, files = validate(capsys, trail)
    assert (code, files) == (1, expected(trail, **{trail.logs[0]: ("log", "invalid")}))


def test_a_deleted_log_is_missing(trail: SignedTrail, capsys: pytest.CaptureFixture[str]) -> None:
    (trail.root / trail.logs[2]).unlink()
    code, files = validate(capsys, trail)
    assert (code, files) == (1, expected(trail, **{trail.logs[2]: ("log", "missing")}))


def test_an_extra_log_is_not_covered(trail: SignedTrail, capsys: pytest.CaptureFixture[str]) -> None:
    extra = write_log(log_path(trail.root, 7000, "Extra001"), [get_item(7000)])
    code, files = validate(capsys, trail)
    rel = extra.relative_to(trail.root).as_posix()
    assert (code, files) == (1, expected(trail, **{rel: ("log", "not-covered")}))


def test_a_broken_signature_invalidates_the_digest_and_uncovers_its_logs(
        trail: SignedTrail, capsys: pytest.CaptureFixture[str]) -> None:
    sig = trail.root / (trail.digests[1] + ".signature")
    text = sig.read_text().strip()
    sig.write_text(("0" if text[0] != "0" else "1") + text[1:])
    code, files = validate(capsys, trail)
    assert (code, files) == (1, expected(trail, **{trail.digests[1]: ("digest", "invalid"),
                                                   trail.logs[2]: ("log", "not-covered"),
                                                   trail.logs[3]: ("log", "not-covered")}))


def test_a_missing_signature_file_invalidates_the_digest(trail: SignedTrail,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (trail.root / (trail.digests[0] + ".signature")).unlink()
    code, files = validate(capsys, trail)
    assert (code, files) == (1, expected(trail, **{trail.digests[0]: ("digest", "invalid"),
                                                   trail.logs[0]: ("log", "not-covered"),
                                                   trail.logs[1]: ("log", "not-covered")}))


def test_an_edited_digest_fails_its_signature(trail: SignedTrail, capsys: pytest.CaptureFixture[str]) -> None:
    path = trail.root / trail.digests[2]
    doc = json.loads(gzip.decompress(path.read_bytes()))
    doc["logFiles"].pop()  # hide a log from the chain
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))
    code, files = validate(capsys, trail)
    assert (code, files) == (1, expected(trail, **{trail.digests[2]: ("digest", "invalid"),
                                                   trail.logs[4]: ("log", "not-covered"),
                                                   trail.logs[5]: ("log", "not-covered")}))


def test_a_deleted_digest_is_missing(trail: SignedTrail, capsys: pytest.CaptureFixture[str]) -> None:
    gone = trail.root / trail.digests[1]
    gone.unlink()
    gone.with_name(gone.name + ".signature").unlink()
    code, files = validate(capsys, trail)
    assert (code, files) == (1, expected(trail, **{trail.digests[1]: ("digest", "missing"),
                                                   trail.logs[2]: ("log", "not-covered"),
                                                   trail.logs[3]: ("log", "not-covered")}))


def test_a_digest_replaced_by_another_validly_signed_one_breaks_the_chain(
        trail: SignedTrail, capsys: pytest.CaptureFixture[str]) -> None:
    # Signed by the right key (say, by someone holding it), but not the digest the next one chained to.
    def drop_log(doc: dict[str, Any]) -> None:
        doc["logFiles"].pop()

    trail.rewrite_digest(0, drop_log)
    code, files = validate(capsys, trail)
    assert (code, files) == (1, expected(trail, **{trail.digests[0]: ("digest", "invalid"),
                                                   trail.logs[0]: ("log", "not-covered"),
                                                   trail.logs[1]: ("log", "not-covered")}))


def test_the_key_is_chosen_by_fingerprint_not_position(trail: SignedTrail,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    keys = json.loads(trail.public_keys.read_text())
    keys["PublicKeyList"].reverse()
    trail.public_keys.write_text(json.dumps(keys))
    assert validate(capsys, trail) == (0, expected(trail))
    # Without the key that signed the last digest (whatever the list's order), that digest cannot be valid.
    keys["PublicKeyList"] = [k for k in keys["PublicKeyList"]
                             if k["Fingerprint"] != _fingerprint_of(trail, trail.digests[2])]
    trail.public_keys.write_text(json.dumps(keys))
    code, files = validate(capsys, trail)
    assert (code, files) == (1, expected(trail, **{trail.digests[2]: ("digest", "invalid"),
                                                   trail.logs[4]: ("log", "not-covered"),
                                                   trail.logs[5]: ("log", "not-covered")}))


def _fingerprint_of(trail: SignedTrail, digest: str) -> str:
    return str(json.loads(gzip.decompress((trail.root / digest).read_bytes()))["digestPublicKeyFingerprint"])


def test_unreadable_inputs_exit_2_naming_them(trail: SignedTrail, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    nowhere = tmp_path / "nowhere"
    assert main(["trail", "validate", "--logs", str(nowhere), "--public-keys", str(trail.public_keys)]) == 2
    assert str(nowhere) in capsys.readouterr().err
    bad_keys = tmp_path / "keys-bad.json"
    bad_keys.write_text('{"PublicKeyList": [{"Value": "not base64!"}]}')
    assert main(["trail", "validate", "--logs", str(trail.root), "--public-keys", str(bad_keys)]) == 2
    assert str(bad_keys) in capsys.readouterr().err


def test_human_output_names_each_file_not_valid(trail: SignedTrail, capsys: pytest.CaptureFixture[str]) -> None:
    (trail.root / trail.logs[2]).unlink()
    assert main(["trail", "validate", "--logs", str(trail.root), "--public-keys", str(trail.public_keys)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["MISSING", "log", trail.logs[2]]
    assert out[-1] == "digests: 3 valid; logs: 5 valid, 1 missing — 1 not valid"


# A digest names the files it covers; a crafted one could name a file outside the trail's folder. Such a digest
# is invalid (it names no file CloudTrail could have delivered there), and the file it names is never opened,
# never even looked for: the validator reads the trail, nothing else.
OUTSIDE_NAMES = [
    "../outside.json",
    "AWSLogs/123456789012/CloudTrail/../../../../outside.json",
    "AWSLogs/123456789012/CloudTrail/ap-northeast-1/../../../../../outside.json",
    "ABSOLUTE",
    "//ABSOLUTE",
    "AWSLogs\\123456789012\\CloudTrail\\..\\..\\..\\..\\outside.json",
    "AWSLogs/123456789012/CloudTrail/%2e%2e/%2e%2e/%2e%2e/%2e%2e/outside.json",
    "AWSLogs/123456789012/CloudTrail/%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Foutside.json",
    "AWSLogs/123456789012/CloudTrail/./ap-northeast-1/x.json.gz",
    "AWSLogs/123456789012/CloudTrail//ap-northeast-1/x.json.gz",
    "AWSLogs/999999999999/CloudTrail/ap-northeast-1/2024/11/05/x.json.gz",  # another account's folder
    "AWSLogs/123456789012/CloudTrail-Digest/ap-northeast-1/2024/11/05/x.json.gz",  # the digests' folder
    "elsewhere/x.json.gz",
]


@pytest.fixture
def touched(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every path the validator stats or opens."""
    seen: list[Path] = []
    real_stat, real_open = Path.stat, Path.open

    def stat(self: Path, *args: Any, **kwargs: Any) -> Any:
        seen.append(self)
        return real_stat(self, *args, **kwargs)

    def open_(self: Path, *args: Any, **kwargs: Any) -> Any:
        seen.append(self)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    monkeypatch.setattr(Path, "open", open_)
    return seen


def _outside(trail: SignedTrail) -> Path:
    """A log file beside the bucket's folder, whose hash a crafted digest gives."""
    target = write_log(trail.root.parent / "outside.json", [get_item(1)])
    return target


def _name(raw: str, target: Path) -> str:
    return raw.replace("ABSOLUTE", str(target)).replace("//" + str(target), "/" + str(target))


def _only_inside(trail: SignedTrail, touched: list[Path]) -> None:
    seen = list(touched)  # resolving stats again: a copy, not the growing list
    root = trail.root.resolve()
    allowed = (root, trail.public_keys.resolve())
    stray = [p for p in seen if p.resolve() not in allowed and root not in p.resolve().parents]
    assert stray == []


@pytest.mark.parametrize("raw", OUTSIDE_NAMES)
def test_a_digest_naming_a_log_outside_the_trail_is_invalid_and_the_file_never_read(
        trail: SignedTrail, capsys: pytest.CaptureFixture[str], touched: list[Path], raw: str) -> None:
    target = _outside(trail)
    name = _name(raw, target)
    sha = hashlib.sha256(target.read_bytes()).hexdigest()

    def add_log(doc: dict[str, Any]) -> None:
        doc["logFiles"].append({"s3Bucket": "kokuho-trail", "s3Object": name, "hashValue": sha,
                                "hashAlgorithm": "SHA-256"})

    trail.rewrite_digest(2, add_log)  # validly signed: the name is the only thing wrong
    _digest_2_is_invalid_and_nothing_outside_is_read(trail, capsys, touched)
    # The human output names the digest and what is wrong, never the name it gave (a value from the file).
    assert main(["trail", "validate", "--logs", str(trail.root), "--public-keys", str(trail.public_keys)]) == 1
    out = capsys.readouterr().out
    line = next(li for li in out.splitlines() if trail.digests[2] in li)
    assert line.startswith("INVALID") and "logFiles[2].s3Object" in line and "outside" in line
    assert name not in out and "outside.json" not in out


def _digest_2_is_invalid_and_nothing_outside_is_read(trail: SignedTrail, capsys: pytest.CaptureFixture[str],
                                                     touched: list[Path]) -> None:
    touched.clear()
    code, files = validate(capsys, trail)
    assert (code, files) == (1, expected(trail, **{trail.digests[2]: ("digest", "invalid"),
                                                   trail.logs[4]: ("log", "not-covered"),
                                                   trail.logs[5]: ("log", "not-covered")}))
    _only_inside(trail, touched)


@pytest.mark.parametrize("raw", [n for n in OUTSIDE_NAMES if "CloudTrail-Digest" not in n])
def test_a_digest_naming_a_previous_digest_outside_the_trail_is_invalid(
        trail: SignedTrail, capsys: pytest.CaptureFixture[str], touched: list[Path], raw: str) -> None:
    target = _outside(trail)
    name = _name(raw, target)

    def repoint(doc: dict[str, Any]) -> None:
        doc["previousDigestS3Object"] = name

    trail.rewrite_digest(2, repoint)
    _digest_2_is_invalid_and_nothing_outside_is_read(trail, capsys, touched)


def test_a_digest_moved_or_copied_elsewhere_is_invalid_there(trail: SignedTrail,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    # CloudTrail's own validation refuses a digest found anywhere but where it was delivered ("has been moved from
    # its original location"): its signature covers the digestS3Object it names. The oldest digest, copied over
    # the newest (and its signature beside it), must not be valid there.
    old, new = trail.root / trail.digests[0], trail.root / trail.digests[2]
    shutil.copy(old, new)
    shutil.copy(old.with_name(old.name + ".signature"), new.with_name(new.name + ".signature"))
    code, files = validate(capsys, trail)
    assert code == 1
    assert files[trail.digests[2]] == ("digest", "invalid")
    assert files[trail.logs[4]] == files[trail.logs[5]] == ("log", "not-covered")
    main(["trail", "validate", "--logs", str(trail.root), "--public-keys", str(trail.public_keys)])
    line = next(li for li in capsys.readouterr().out.splitlines() if trail.digests[2] in li)
    assert "digestS3Object" in line


def test_a_digest_nested_too_deep_or_inflating_past_any_digest_is_invalid_not_a_crash(
        trail: SignedTrail, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from kokuho.trail import logs

    monkeypatch.setattr(logs, "MAX_DIGEST_BYTES", 1 << 20)
    (trail.root / trail.digests[1]).write_bytes(gzip.compress(b"[" * 100_000 + b"]" * 100_000))
    (trail.root / trail.digests[2]).write_bytes(gzip.compress(b"{}" + b" " * (4 << 20), compresslevel=1))
    code, files = validate(capsys, trail)
    assert code == 1
    assert files[trail.digests[1]] == files[trail.digests[2]] == ("digest", "invalid")


def test_a_public_key_file_nested_too_deep_exits_2_naming_it(trail: SignedTrail, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    deep = tmp_path / "deep-keys.json"
    deep.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    assert main(["trail", "validate", "--logs", str(trail.root), "--public-keys", str(deep)]) == 2
    err = capsys.readouterr().err
    assert str(deep) in err and "Traceback" not in err


def test_a_log_inflating_past_any_cloudtrail_log_is_invalid(trail: SignedTrail, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from kokuho.trail import logs

    monkeypatch.setattr(logs, "MAX_LOG_BYTES", 1 << 20)
    (trail.root / trail.logs[3]).write_bytes(gzip.compress(b" " * (4 << 20), compresslevel=1))
    code, files = validate(capsys, trail)
    assert (code, files) == (1, expected(trail, **{trail.logs[3]: ("log", "invalid")}))


def _set_validity(trail: SignedTrail, digest: str, start: object, end: object) -> None:
    keys = json.loads(trail.public_keys.read_text())
    for entry in keys["PublicKeyList"]:
        if entry["Fingerprint"] == _fingerprint_of(trail, digest):
            entry["ValidityStartTime"], entry["ValidityEndTime"] = start, end
    trail.public_keys.write_text(json.dumps(keys))


def test_a_digest_signed_by_a_key_outside_its_validity_is_invalid(trail: SignedTrail,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # A retired key (its ValidityEndTime passed: replaced, perhaps leaked) signs nothing CloudTrail delivered later,
    # and a key signs nothing before it was issued. The last digest ends at 04:00Z on 2024-11-05; its key is made to
    # end at 02:00Z: whoever signed that digest with it did so after the key was retired.
    _set_validity(trail, trail.digests[2], "2024-01-01T00:00:00Z", "2024-11-05T02:00:00Z")
    code, files = validate(capsys, trail)
    assert (code, files) == (1, expected(trail, **{trail.digests[2]: ("digest", "invalid"),
                                                   trail.logs[4]: ("log", "not-covered"),
                                                   trail.logs[5]: ("log", "not-covered")}))
    _set_validity(trail, trail.digests[2], "2025-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00")  # not yet
    assert validate(capsys, trail)[1][trail.digests[2]] == ("digest", "invalid")


def test_a_key_issued_while_the_hours_digest_was_being_delivered_signs_it(trail: SignedTrail,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    # CloudTrail signs a digest when it delivers it, after digestEndTime: a key that begins within the hour after
    # holds. ListPublicKeys' times as the CLI prints them (ISO) or as the API answers them (epoch seconds).
    from datetime import datetime

    _set_validity(trail, trail.digests[2], "2024-11-05T04:30:00+00:00", "2025-01-01T00:00:00Z")
    assert validate(capsys, trail) == (0, expected(trail))
    start = datetime.fromisoformat("2024-11-05T04:30:00+00:00").timestamp()
    _set_validity(trail, trail.digests[2], start, start + 86400 * 30)
    assert validate(capsys, trail) == (0, expected(trail))
    _set_validity(trail, trail.digests[2], "soon", "later")
    assert main(["trail", "validate", "--logs", str(trail.root), "--public-keys", str(trail.public_keys)]) == 2
    assert "ValidityStartTime" in capsys.readouterr().err


def test_a_signature_file_of_any_size_is_read_no_further_than_a_signature(
        trail: SignedTrail, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # A signature is at most a few hundred hex characters (RSA 4096: 1,024): one planted as a device or a huge file
    # (a link to /dev/zero) was read whole into memory. Read no further than what a signature can be.
    signature = trail.root / (trail.digests[1] + ".signature")
    signature.write_text(signature.read_text() + " " + "0" * (1 << 20))
    read: list[int] = []
    real_open = Path.open

    def counting_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        handle = real_open(self, *args, **kwargs)
        if self.name.endswith(".signature"):
            real_read = handle.read
            handle.read = lambda n=-1: (read.append(n), real_read(n))[1]  # type: ignore[method-assign]
        return handle

    monkeypatch.setattr(Path, "open", counting_open)
    code, files = validate(capsys, trail)
    assert code == 1 and files[trail.digests[1]] == ("digest", "invalid")
    assert read and all(0 < n <= 64 * 1024 + 1 for n in read)


def test_a_folder_without_digests_or_logs_says_nothing_was_validated(trail: SignedTrail, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # The wrong folder (no AWSLogs/) is no all-clear: exit 0 as the contract words it, but said on stderr.
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    code = main(["trail", "validate", "--logs", str(empty), "--public-keys", str(trail.public_keys)])
    out, err = capsys.readouterr()
    assert code == 0 and "all valid" not in out
    assert "nothing was validated" in err
