"""Reading one generation of a knowledge object from Cloud Storage."""

from __future__ import annotations

# Not `from google.cloud import storage`: mypy does not see that submodule of the google.cloud
# namespace package that way (the library ships no py.typed).
import google.cloud.storage as storage

__all__ = ["KnowledgeBucket"]


class KnowledgeBucket:
    def __init__(self, client: storage.Client, bucket: str) -> None:
        if not bucket:
            raise ValueError("KNOWLEDGE_BUCKET is not set")
        self.name = bucket
        self._bucket = client.bucket(bucket)

    def read(self, name: str, generation: int) -> bytes | None:
        """That generation's bytes; None once it is overwritten or deleted (its notification
        is then followed by one for the newer state). The check on the returned generation
        also covers the storage emulator, which ignores the generation asked for."""
        blob = self._bucket.get_blob(name, generation=generation)
        if blob is None or blob.generation != generation:
            return None
        return blob.download_as_bytes()
