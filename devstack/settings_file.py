"""The settings file on the storage emulator, where Terraform puts it in the cloud.

The stack uploads `config/assistant.yaml` to `gs://assistant-config/assistant.yaml` at start and
gives the responder `SETTINGS_URI`; tests (and people trying a channel's persona) replace the
object and the responder picks it up within `SETTINGS_REFRESH_SECONDS`.
"""

from __future__ import annotations

from pathlib import Path

from google.auth.credentials import AnonymousCredentials
from google.cloud import storage

__all__ = ["SETTINGS_BUCKET", "SETTINGS_OBJECT", "LocalSettingsObject"]

SETTINGS_BUCKET = "assistant-config"
SETTINGS_OBJECT = "assistant.yaml"


class LocalSettingsObject:
    """The settings file's object on the storage emulator (the parsed file is
    assistant.channels.settings_file.SettingsFile)."""

    def __init__(self, *, storage_host: str, project: str) -> None:
        self._client = storage.Client(
            project=project,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": storage_host},
        )
        self.uri = f"gs://{SETTINGS_BUCKET}/{SETTINGS_OBJECT}"

    def create(self, initial: Path) -> None:
        bucket = self._client.bucket(SETTINGS_BUCKET)
        if not bucket.exists():
            self._client.create_bucket(SETTINGS_BUCKET)
        self.write(initial.read_text())

    def write(self, text: str) -> None:
        blob = self._client.bucket(SETTINGS_BUCKET).blob(SETTINGS_OBJECT)
        blob.upload_from_string(text, content_type="application/yaml")

    def read(self) -> str:
        return self._client.bucket(SETTINGS_BUCKET).blob(SETTINGS_OBJECT).download_as_text()
