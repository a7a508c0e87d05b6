"""The cells of every CSV the system writes for staff (the security team's access-record searches, the finance
office's 収納率, the 受診率): a spreadsheet opening the file must never run a cell as a formula (CSV injection —
HYPERLINK or WEBSERVICE send the sheet's cells away). The one rule, used by every writer (kokuho.access.search,
kokuho.collection.statistics, kokuho.health.rates):

- a text column (`text_cell`): a value starting like a formula — = + - @, a tab or a CR (OWASP's list), or their
  full-width forms ＝ ＋ － ＠ that a Japanese spreadsheet reads alike — gets a leading apostrophe, which the
  spreadsheet shows as text and does not display;
- a number column (`number_cell`): an int, or a decimal string such as the rate "-3.50", stays as it is — a
  negative amount (-1200, a refund) must stay a number the sheet can sum; anything else in it (a document
  edited to hold "=1+1" where a figure belongs) is text, by the rule above.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")  # what a spreadsheet takes for a formula
_NUMBER = re.compile(r"-?[0-9]{1,30}(\.[0-9]{1,30})?", re.ASCII)


def text_cell(value: Any) -> Any:
    """A text cell a spreadsheet will not run: text starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def number_cell(value: Any) -> Any:
    """A figure: an int or a plain decimal string as it is (a minus sign and all), anything else a text cell."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = value if value is None or isinstance(value, str) else str(value)
    if text is not None and _NUMBER.fullmatch(text):
        return text
    return text_cell(text)
