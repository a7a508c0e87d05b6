"""The one Japanese font of every PDF the layer writes (notices, the disclosure document): Noto Sans CJK JP
Regular (SIL OFL 1.1, licence-compatible with embedding), shipped as a font-only package. fpdf2 embeds only
the glyphs a document uses (a subset), so the reader needs no font of their own."""

from __future__ import annotations

from typing import Any

FONT = "NotoSansJP"


def font_path() -> str:
    from noto_cjk_sans_jp_regular import FONT_PATH

    return str(FONT_PATH)


def add_font(pdf: Any) -> None:
    """Register the font on an fpdf2 document (parsed once per document: batch many notices into one)."""
    pdf.add_font(FONT, fname=font_path())
