"""The disclosure document as a PDF in Japanese (fpdf2, with Noto Sans CJK JP embedded as a subset: the
person opens it anywhere, no font needed on their side). Sections in the document's order; lists as rows
of `key: value`; nothing is added that is not in the JSON document, so the two always say the same."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kokuho.notices.font import FONT, add_font

SECTION_EMPTY = "記録はありません"


def _scalar(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, dict):
        return "、".join(f"{k}: {_scalar(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return "、".join(_scalar(v) for v in value) or "-"
    return str(value)


def render_pdf(document: dict[str, Any]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime.fromisoformat(str(document["作成日"])).replace(tzinfo=UTC))
    pdf.set_title(str(document["文書"]))
    pdf.set_auto_page_break(auto=True, margin=15)
    add_font(pdf)
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: float = 9, gap: float = 1.0) -> None:
        pdf.set_font(FONT, size=size)
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(width, size * 0.55, text)
        pdf.ln(gap)

    line(str(document["文書"]), 14, 3)
    for key in ("請求番号", "本人", "作成日"):
        line(f"{key}: {document[key]}", 10)
    for key, value in document.items():
        if key in ("文書", "請求番号", "本人", "作成日"):
            continue
        pdf.ln(2)
        line(f"■ {key}", 12, 2)
        if isinstance(value, dict):
            for k, v in value.items():
                if isinstance(v, list) and v and isinstance(v[0], dict):
                    line(f"{k}:")
                    for row in v:
                        line("  ・" + _scalar(row))
                else:
                    line(f"{k}: {_scalar(v)}")
        elif isinstance(value, list):
            if not value:
                line(SECTION_EMPTY)
            for row in value:
                line("・" + _scalar(row))
        else:
            line(_scalar(value))
    return bytes(pdf.output())
