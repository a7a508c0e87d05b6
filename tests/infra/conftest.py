"""Infra tests synthesize the real app ONCE per session (synth is slow) and assert on the templates.

The layer is built without its pip dependencies here (KOKUHO_LAYER_SKIP_DEPS) so the tests stay fast
and offline; the default `python infra/app.py` builds the real layer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("KOKUHO_LAYER_SKIP_DEPS", "1")

from aws_cdk.assertions import Template  # noqa: E402

from infra.app import KokuhoApp, SynthResult, build_app, synth  # noqa: E402


@pytest.fixture(scope="session")
def real_app(tmp_path_factory: pytest.TempPathFactory) -> KokuhoApp:
    return build_app(outdir=str(tmp_path_factory.mktemp("cdk-out")))


@pytest.fixture(scope="session")
def synthesized(real_app: KokuhoApp) -> SynthResult:
    return synth(real_app)


@pytest.fixture(scope="session")
def templates(synthesized: SynthResult) -> dict[str, Template]:
    return {name: Template.from_json(t) for name, t in synthesized.templates.items()}


@pytest.fixture(scope="session")
def raw(synthesized: SynthResult) -> dict[str, dict[str, Any]]:
    return synthesized.templates
