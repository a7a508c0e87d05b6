"""The one place a powertools Logger is created, always with My Number redaction installed."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from kokuho.identity.redaction import install


def get_logger(service: str = "kokuho", **kwargs: object) -> Logger:
    logger = Logger(service=service, **kwargs)  # type: ignore[arg-type]
    install(logger._logger)
    return logger
