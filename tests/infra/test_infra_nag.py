"""cdk-nag (AwsSolutions, NIST 800-53 R5, HIPAA Security, Serverless): 0 unacknowledged errors, and
every acknowledgement is specific and argued."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App, Environment, Stack, Validations
from aws_cdk import aws_s3 as s3

from infra.app import NAG_PACKS, KokuhoApp, SynthResult, synth

PACK_PREFIXES = ("AwsSolutions-", "NIST.800.53.R5-", "HIPAA.Security-", "Serverless-")


def test_all_four_packs_report_no_unacknowledged_error(synthesized: SynthResult) -> None:
    assert {p.__name__ for p in NAG_PACKS} == {
        "AwsSolutionsChecks", "NIST80053R5Checks", "HIPAASecurityChecks", "ServerlessChecks"}
    assert synthesized.nag_violations == []
    assert synthesized.guard_errors == []


def test_the_packs_do_fail_a_careless_bucket(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    s3.Bucket(Stack(app, "Careless", env=Environment(account="111111111111", region="ap-northeast-1")), "B")
    Validations.of(app).add_plugins(*(pack(app) for pack in NAG_PACKS))
    found = " ".join(synth(app).nag_violations)
    for rule in ("AwsSolutions-S10", "NIST.800.53.R5-S3DefaultEncryptionKMS", "HIPAA.Security-S3BucketLoggingEnabled"):
        assert rule in found


def test_every_acknowledgement_is_specific_and_argued(real_app: KokuhoApp) -> None:
    applied = real_app.acknowledgements
    assert applied, "the real app acknowledges some findings"
    for ack in applied:
        assert ack.rule.startswith(PACK_PREFIXES), ack.rule
        assert ack.path.count("/") >= 1, f"{ack.rule} acknowledged on a whole stack ({ack.path})"
        if ack.rule.startswith("AwsSolutions-IAM"):
            assert "[" in ack.rule and ack.rule.endswith("]"), f"{ack.rule}: name the exact finding"
        words = ack.reason.split()
        assert len(words) >= 20, f"{ack.rule} on {ack.path}: reason too short"
    assert len({(a.path, a.rule) for a in applied}) == len(applied), "duplicate acknowledgement"


def test_acknowledgements_live_in_one_module() -> None:
    infra = Path(__file__).resolve().parents[2] / "infra"
    users = [p for p in infra.rglob("*.py") if "Acknowledgment(" in p.read_text()]
    assert [p.name for p in users] == ["nag_acknowledgements.py"]
