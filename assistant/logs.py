"""Structured JSON logs that Cloud Logging understands, correlated by Slack event id.

One line of JSON per record on stdout: Cloud Logging reads `severity` and `message`, and the
`event_id` label ties together what ingress, files and responder did for one mention.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["configure_logging", "delivery_context", "log_event"]

# Fields every record logged while one delivery is handled carries (event id, thread key), so
# no log line of a delivery can lose its correlation, whichever module writes it.
_DELIVERY: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "delivery_log_fields", default=None
)

_CORRELATION_LABEL = "logging.googleapis.com/labels"
_RESERVED = frozenset(vars(logging.makeLogRecord({})))


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "severity": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        extra = dict(_DELIVERY.get() or {})
        extra.update(
            {k: v for k, v in vars(record).items() if k not in _RESERVED and k != "message"}
        )
        event_id = extra.pop("event_id", None)
        if event_id:
            entry["event_id"] = event_id
            entry[_CORRELATION_LABEL] = {"event_id": event_id}
        entry.update(extra)
        if record.exc_info:
            entry["stack_trace"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Route every logger to one JSON handler on stdout (idempotent)."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, _JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(_JsonFormatter())
        root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Client libraries log request details (headers included) at DEBUG; never let them through.
    for noisy in ("urllib3", "httpx", "httpcore", "openai", "slack_sdk", "google"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))


def log_event(logger: logging.Logger, level: int, message: str, **fields: Any) -> None:
    logger.log(level, message, extra=fields)


@contextlib.contextmanager
def delivery_context(**fields: str) -> Iterator[None]:
    """Within the block, every log record carries `fields` (the thread's own context)."""
    token = _DELIVERY.set({**(_DELIVERY.get() or {}), **fields})
    try:
        yield
    finally:
        _DELIVERY.reset(token)
