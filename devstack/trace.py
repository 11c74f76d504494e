"""Follow the functions' JSON logs and hand each line about a mention to the Slack sandbox.

The workspace page's "What happened" panel shows, per Slack `event_id`, what ingress, files and
responder logged (Pub/Sub message ids, the model request, timings). This tailer reads
`<log_dir>/<name>.log` as the functions write it, keeps the JSON lines that carry an `event_id`,
and POSTs them to the sandbox's `/_sandbox/trace`. It runs as a thread of the `LocalStack`.

    tailer = LogTailer(log_dir=Path("build/logs"), sources=("responder",),
                       trace_url="http://127.0.0.1:8700/_sandbox/trace")
    tailer.start()
    ...
    tailer.stop()
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["LogTailer", "trace_record"]

# Long prompts (a 128k-token thread) would make every record megabytes; the panel shows a head.
MAX_CONTENT_CHARS = 4000
MAX_READ_BYTES = 8 * 1024 * 1024
MAX_PENDING = 2000
_DROPPED_FIELDS = ("logging.googleapis.com/labels",)


def _shorten(text: str, limit: int = MAX_CONTENT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters]"


def _short_content(content: Any) -> Any:
    if isinstance(content, str):
        return _shorten(content)
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text":
                parts.append({**part, "text": _shorten(str(part.get("text", "")))})
            elif isinstance(part, dict) and part.get("type") == "image_url":
                parts.append({"type": "image_url", "image_url": "[image]"})
            else:
                parts.append(part)
        return parts
    return content


def trace_record(line: str, *, source: str, at: float) -> dict | None:
    """The record to keep for one log line, or None when it is not JSON about an event.

    >>> trace_record('{"message": "mention queued", "event_id": "Ev1"}', source="ingress", at=1.0)
    {'message': 'mention queued', 'event_id': 'Ev1', 'source': 'ingress', 'at': 1.0}
    >>> trace_record("Serving Flask app", source="ingress", at=1.0) is None
    True
    """
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("event_id"), str):
        return None
    for field in _DROPPED_FIELDS:
        entry.pop(field, None)
    if isinstance(entry.get("prompt"), list):
        entry["prompt"] = [
            {**m, "content": _short_content(m.get("content"))} if isinstance(m, dict) else m
            for m in entry["prompt"]
        ]
    entry.update(source=source, at=at)
    return entry


class _FollowedFile:
    """One log file read from where we left off; starts over when it is truncated."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.partial = b""

    def new_lines(self) -> list[str]:
        try:
            size = os.stat(self.path).st_size
        except FileNotFoundError:
            return []
        if size < self.offset:  # the process was restarted and its log rewritten
            self.offset, self.partial = 0, b""
        if size == self.offset:
            return []
        with self.path.open("rb") as file:
            file.seek(self.offset)
            data = file.read(min(size - self.offset, MAX_READ_BYTES))
        self.offset += len(data)
        *lines, self.partial = (self.partial + data).split(b"\n")
        return [line.decode("utf-8", errors="replace") for line in lines if line.strip()]


class LogTailer:
    def __init__(
        self,
        *,
        log_dir: Path,
        sources: Iterable[str],
        trace_url: str,
        interval: float = 0.2,
    ) -> None:
        self.trace_url = trace_url
        self.interval = interval
        self._files = {name: _FollowedFile(log_dir / f"{name}.log") for name in sources}
        self._pending: list[dict] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-tailer", daemon=True)

    def start(self) -> LogTailer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def poll(self) -> int:
        """Read what is new in every file and send it; returns how many records were sent."""
        now = time.time()
        for source, followed in self._files.items():
            for line in followed.new_lines():
                record = trace_record(line, source=source, at=now)
                if record is not None:
                    self._pending.append(record)
        del self._pending[:-MAX_PENDING]
        if not self._pending:
            return 0
        if not self._send(self._pending):
            return 0  # kept for the next round: the sandbox may be restarting
        sent, self._pending = len(self._pending), []
        return sent

    def _send(self, records: list[dict]) -> bool:
        body = json.dumps({"records": records}, default=str).encode()
        request = urllib.request.Request(
            self.trace_url, data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status == 200
        except urllib.error.HTTPError as error:
            return error.code == 400  # the sandbox refused them: resending will not help
        except (urllib.error.URLError, OSError):
            return False

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            self.poll()
