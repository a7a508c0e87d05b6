"""Redaction of any 12-digit run from log records, so a My Number can never reach a log.

Over-redacts on purpose: any standalone run of exactly 12 digits is replaced, valid check digit
or not, because a log line is no place to decide whether a number is personal.
"""

from __future__ import annotations

import logging
import re
from typing import Any

TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")
REDACTED = "[REDACTED-12-DIGITS]"


def redact(text: str) -> str:
    return TWELVE_DIGITS.sub(REDACTED, text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int) and not isinstance(value, bool) and TWELVE_DIGITS.fullmatch(str(value)):
        return REDACTED
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(v) for v in value)
    return value


class MyNumberRedactionFilter(logging.Filter):
    """Rewrites message, args and extra fields of every record passing through it."""

    _STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "", None, None)).keys()) | {"message"}

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redact_value(record.msg) if not isinstance(record.msg, str) else redact(record.msg)
        if record.args:
            if isinstance(record.args, dict):
                record.args = _redact_value(record.args)
            else:
                record.args = tuple(_redact_value(a) for a in record.args)
        for key, value in list(vars(record).items()):
            if key not in self._STANDARD:
                setattr(record, key, _redact_value(value))
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now, redacted, so the handler never formats the raw one.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def install(logger: logging.Logger) -> logging.Logger:
    """Attach the filter to the logger and its handlers (handler filters also see propagated records)."""
    flt = MyNumberRedactionFilter()
    if not any(isinstance(f, MyNumberRedactionFilter) for f in logger.filters):
        logger.addFilter(flt)
    for handler in logger.handlers:
        if not any(isinstance(f, MyNumberRedactionFilter) for f in handler.filters):
            handler.addFilter(flt)
    return logger
