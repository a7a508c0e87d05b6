"""The printed-page check every notice test makes (issue 12 item 8): each page rendered to an image is not
blank, holds text and no My Number, and every character sits inside the margin a printer can reach."""

from __future__ import annotations

import pypdfium2 as pdfium

from kokuho.identity.mynumber import count_my_numbers

MARGIN_PT = 5 * 72 / 25.4  # 5 mm: what a printer cannot reach


def assert_pages_printable(pdf: bytes, *, min_chars: int = 0) -> int:
    """Checks every page of `pdf`; returns the number of pages."""
    doc = pdfium.PdfDocument(pdf)
    for index in range(len(doc)):
        page = doc[index]
        width, height = page.get_size()
        image = page.render(scale=1).to_pil().convert("L")
        assert sum(image.histogram()[:128]) > 0.005 * image.width * image.height, f"page {index + 1} is blank"
        text = page.get_textpage()
        assert text.count_chars() > min_chars, f"page {index + 1} holds too little text"
        assert count_my_numbers(text.get_text_range()) == 0, f"page {index + 1} holds a My Number"
        for i in range(text.count_chars()):
            left, bottom, right, top = text.get_charbox(i)
            if right - left == 0 and top - bottom == 0:  # a generated space or line break
                continue
            assert (MARGIN_PT <= left and right <= width - MARGIN_PT
                    and MARGIN_PT <= bottom and top <= height - MARGIN_PT), (
                f"page {index + 1}: character {i} at {(left, bottom, right, top)} outside the page")
    return len(doc)
