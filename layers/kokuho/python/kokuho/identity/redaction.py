"""Redaction of My Number shaped text from log records, so a My Number can never reach a log.

Over-redacts on purpose: twelve digits in a row, or a run of digit groups holding exactly twelve
digits ("1234-5678-9012", "１２３４ ５６７８ ９０１２"), is replaced whatever its check digit, because a
log line is no place to decide whether a number is personal; twelve digits with a valid check digit
are replaced in any shape, even within a longer run of groups. The scan is
`kokuho.identity.mynumber.find_candidates`, the same one every input check uses.

Exceptions keep their traceback: the logged exception is replaced by a stand-in of the same type
name with a redacted message (and redacted cause, context and notes) on the original frames, and the
formatted traceback is redacted again as a whole (source lines included) by every formatter this
module installs on.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from kokuho.identity.mynumber import find_candidates

REDACTED = "[REDACTED-12-DIGITS]"


def _spans(text: str) -> list[tuple[int, int]]:
    spans = sorted((c.start, c.end) for c in find_candidates(text) if c.groups == 1 or c.whole or c.valid)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact(text: str) -> str:
    spans = _spans(text)
    if not spans:
        return text
    parts, at = [], 0
    for start, end in spans:
        parts += [text[at:start], REDACTED]
        at = end
    parts.append(text[at:])
    return "".join(parts)


def without_my_numbers(text: str) -> str:
    """A message built from stored values (a key, a chain, a subject) as a report may print it: unchanged, unless it
    holds a valid My Number in some shape — then redacted (its twelve digits, and any run that could be one)."""
    from kokuho.identity.mynumber import contains_my_number

    return redact(text) if contains_my_number(text) else text


def looks_like_my_number(text: str) -> bool:
    """Whether redaction would mask anything in the text: the test of places that refuse any number
    of My Number shape, valid or not (URLs)."""
    return bool(_spans(text))


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return {_redact_value(k): _redact_value(v) for k, v in value.items()}
    if type(value) in (list, tuple, set, frozenset):
        return type(value)(_redact_value(v) for v in value)
    try:  # numbers, Decimals, dataclasses, exceptions…: judged by the text they would print
        text = str(value)
    except Exception:  # noqa: BLE001 - an object that cannot print cannot leak through the log either
        return value
    redacted = redact(text)
    return value if redacted == text else redacted


class RedactedException(Exception):
    """Stands in for a logged exception: the same type name, a redacted message, the original frames."""


_STAND_IN_TYPES: dict[type[BaseException], type[RedactedException]] = {}


def _stand_in_type(original: type[BaseException]) -> type[RedactedException]:
    if original not in _STAND_IN_TYPES:
        _STAND_IN_TYPES[original] = type(original.__name__, (RedactedException,),
                                         {"__module__": original.__module__, "__qualname__": original.__qualname__})
    return _STAND_IN_TYPES[original]


def _stand_in(exc: BaseException, seen: dict[int, BaseException]) -> BaseException:
    if id(exc) in seen:
        return seen[id(exc)]
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001
        text = "<unprintable>"
    clone = _stand_in_type(type(exc))(redact(text)).with_traceback(exc.__traceback__)
    seen[id(exc)] = clone
    if exc.__cause__ is not None:
        clone.__cause__ = _stand_in(exc.__cause__, seen)
    if exc.__context__ is not None:
        clone.__context__ = _stand_in(exc.__context__, seen)
    clone.__suppress_context__ = exc.__suppress_context__
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, list):
        clone.__notes__ = [redact(str(n)) for n in notes]
    return clone


def errors_without_my_numbers(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """A Lambda handler whose failures never carry a My Number out: AWS puts an unhandled exception's message and
    frames in the invocation's answer, the execution's cause (Step Functions history, the run's output) and the
    function's log, none of which passes the loggers' filter. An error whose text would hold one leaves as a stand-in
    of the same type name (what retriers match: InputRefused stays InputRefused), its message redacted."""

    @functools.wraps(handler)
    def guarded(event: Any, context: Any) -> Any:
        try:
            return handler(event, context)
        except Exception as exc:
            try:
                text = str(exc)
            except Exception:  # noqa: BLE001 - unprintable: AWS cannot print it either
                raise exc from None
            if redact(text) == text and not _chain_leaks(exc):
                raise
            clean = _stand_in(exc, {})
        raise clean  # outside the handler block: the original is not chained to it as its context

    return guarded


def _chain_leaks(exc: BaseException) -> bool:
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        try:
            if redact(str(link)) != str(link):
                return True
        except Exception:  # noqa: BLE001
            return True
        link = link.__cause__ or link.__context__
    return False


class MyNumberRedactionFilter(logging.Filter):
    """Rewrites message, args, extra fields, exception and stack of every record passing through it."""

    _STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "", None, None)).keys()) | {"message"}

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.args:
            try:  # format first: a redacted argument must not break a "%d"
                record.msg, record.args = redact(record.getMessage()), None
            except (TypeError, ValueError, KeyError):
                record.msg = redact(record.msg)
        else:
            record.msg = _redact_value(record.msg)
        if record.args:
            if isinstance(record.args, dict):
                record.args = _redact_value(record.args)
            else:
                record.args = tuple(_redact_value(a) for a in record.args)
        for key, value in list(vars(record).items()):
            if key not in self._STANDARD:
                setattr(record, key, _redact_value(value))
        exc_info = record.exc_info
        if exc_info and exc_info[1] is not None and not isinstance(exc_info[1], RedactedException):
            # Standard formatters print exc_text when set: the whole traceback, redacted, source lines too.
            record.exc_text = redact(logging.Formatter().formatException(exc_info))
            stand_in = _stand_in(exc_info[1], {})
            record.exc_info = (type(stand_in), stand_in, exc_info[2])
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _redact_formatter(formatter: logging.Formatter | None) -> None:
    """Formatters that format the exception themselves (powertools' JSON formatter ignores exc_text)."""
    if formatter is None or getattr(formatter, "_kokuho_redacting", False):
        return
    format_exception, format_stack = formatter.formatException, formatter.formatStack
    setattr(formatter, "formatException", lambda ei: redact(format_exception(ei)))  # noqa: B010
    setattr(formatter, "formatStack", lambda s: redact(format_stack(s)))  # noqa: B010
    setattr(formatter, "_kokuho_redacting", True)  # noqa: B010


def install(logger: logging.Logger) -> logging.Logger:
    """Attach the filter to the logger and its handlers (handler filters also see propagated records),
    and make the handlers' formatters redact the tracebacks they format."""
    flt = MyNumberRedactionFilter()
    if not any(isinstance(f, MyNumberRedactionFilter) for f in logger.filters):
        logger.addFilter(flt)
    for handler in logger.handlers:
        if not any(isinstance(f, MyNumberRedactionFilter) for f in handler.filters):
            handler.addFilter(flt)
        _redact_formatter(handler.formatter)
    return logger
