"""Structured JSON logs that Cloud Logging understands, correlated by Slack event id.

One line of JSON per record on stdout: Cloud Logging reads `severity` and `message`, and the
`event_id` label ties together what ingress, files and responder did for one mention.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

__all__ = ["configure_logging", "log_event"]

_CORRELATION_LABEL = "logging.googleapis.com/labels"
_RESERVED = frozenset(vars(logging.makeLogRecord({})))


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "severity": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        extra = {k: v for k, v in vars(record).items() if k not in _RESERVED and k != "message"}
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
