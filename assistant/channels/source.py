"""The deployed settings file, re-read within a minute, the last good one kept.

Terraform uploads `config/assistant.yaml` as a Cloud Storage object (`SETTINGS_URI`,
`gs://bucket/assistant.yaml`); locally it may be a path. The responder asks `current()` per
mention; at most once per `refresh_seconds` that reads the object again. A file that does not
parse or validate is refused with one error log naming every problem, and the settings in force
stay (the last good file, or the environment's defaults if none was ever good). A file that
cannot be read (a network error) keeps them too; a missing object means "no overrides".

    >>> source = SettingsSource(lambda: b"defaults: {model: gpt-4o}", refresh_seconds=60)
    >>> source.current().defaults["model"]
    'gpt-4o'
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from assistant.channels.settings_file import InvalidSettings, SettingsFile, parse_settings

__all__ = ["SettingsSource", "file_reader", "gcs_reader", "parse_yaml", "settings_reader"]

logger = logging.getLogger(__name__)

Reader = Callable[[], bytes | None]  # None: the file does not exist


def parse_yaml(raw: bytes) -> SettingsFile:
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise InvalidSettings([f"not valid YAML: {error}"]) from None
    return parse_settings(data)


class SettingsSource:
    def __init__(
        self,
        read: Reader,
        *,
        refresh_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        where: str = "",
    ) -> None:
        self._read = read
        self._refresh = refresh_seconds
        self._clock = clock
        self._where = where
        self._lock = threading.Lock()
        self._settings = SettingsFile()
        self._digest: str | None = None
        self._checked_at = float("-inf")

    def current(self) -> SettingsFile:
        with self._lock:
            if self._clock() - self._checked_at >= self._refresh:
                self._checked_at = self._clock()
                self._reload()
            return self._settings

    def _reload(self) -> None:
        try:
            raw = self._read()
        except Exception as error:  # a read failure must never stop answers
            logger.warning(
                "settings file not readable; keeping the settings in force",
                extra={"settings_uri": self._where, "error": f"{type(error).__name__}: {error}"},
            )
            return
        raw = b"" if raw is None else raw
        digest = hashlib.sha256(raw).hexdigest()
        if digest == self._digest:
            return
        try:
            parsed = parse_yaml(raw)
        except InvalidSettings as error:
            self._digest = digest  # log a broken file once, not once a minute
            logger.error(
                "settings file refused; the last good settings stay in force",
                extra={"settings_uri": self._where, "problems": error.problems},
            )
            return
        self._settings, self._digest = parsed, digest
        logger.info(
            "settings loaded",
            extra={
                "settings_uri": self._where,
                "sha256": digest[:12],
                "workspaces": len(parsed.workspaces),
                "channels": len(parsed.channels),
            },
        )


def file_reader(path: str | Path) -> Reader:
    def read() -> bytes | None:
        try:
            return Path(path).read_bytes()
        except FileNotFoundError:
            return None

    return read


def gcs_reader(client: object, uri: str) -> Reader:
    """`gs://bucket/name` through a google.cloud.storage.Client."""
    from google.api_core.exceptions import NotFound

    bucket_name, _, name = uri.removeprefix("gs://").partition("/")
    blob = client.bucket(bucket_name).blob(name)  # type: ignore[attr-defined]

    def read() -> bytes | None:
        try:
            return blob.download_as_bytes(timeout=10)
        except NotFound:
            return None

    return read


def settings_reader(uri: str, storage: Callable[[], object]) -> Reader:
    """Where SETTINGS_URI points: `gs://bucket/name` in the cloud (through `storage()`, a
    google.cloud.storage.Client made only then), a path locally, nothing when unset."""
    if uri.startswith("gs://"):
        return gcs_reader(storage(), uri)
    if uri:
        return file_reader(uri)
    return lambda: None
