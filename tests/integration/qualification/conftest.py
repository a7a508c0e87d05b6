"""Fixtures of the qualification tests; the helpers live in qualification_helpers (a unique module name,
so test modules import them reliably whichever conftest pytest loaded last)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qualification_helpers import aws_env, embedded, staffed  # noqa: E402

__all__ = ["aws_env", "embedded", "staffed"]
