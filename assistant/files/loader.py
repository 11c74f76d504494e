"""The responder's side of attachments: load extractions from Cloud Storage for one thread.

A thread's turns store file references, not file contents (see docs/attachments.md): Firestore
documents are limited to 1 MiB and an image alone can be that large, while the extraction in
Cloud Storage is immutable. So a later turn reloads what it needs, and only for the turns that
survive trimming. Extractions are cached in memory by URI, which is safe because they never
change once written.

A reference is loaded only from this deployment's bucket and only from the folder of the thread
being answered, so one thread's files can never reach another thread's prompt.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from assistant.config import Settings
from assistant.conversation.history import StoredTurn
from assistant.files.context import FileContext, LoadedFile, plan_user_turn, rebuild_user_turn
from assistant.files.extract import Extraction
from assistant.files.store import BucketStore, parse_gcs_uri, storage_client, thread_prefix
from assistant.llm.models import REPLY_PRIMING_TOKENS, ModelSpec
from assistant.llm.tokens import count_message
from assistant.mention import Mention

__all__ = ["ThreadFiles"]

logger = logging.getLogger(__name__)

_CACHE_CHARS = 64_000_000  # about 64 MB of extracted text and image data per instance
_SLACK = 16  # build_prompt keeps a few tokens spare around the current turn


class ThreadFiles:
    def __init__(
        self,
        settings: Settings,
        *,
        spec: ModelSpec,
        budget: int,
        store: BucketStore | None = None,
    ) -> None:
        self._settings = settings
        self._spec = spec
        system = count_message(settings.system_prompt, spec)
        self._room = budget - system - REPLY_PRIMING_TOKENS - _SLACK
        self._store = store
        self._cache: OrderedDict[str, Extraction] = OrderedDict()
        self._cached_chars = 0
        self._lock = threading.Lock()  # one responder instance may serve requests in threads

    def user_turn(self, mention: Mention) -> FileContext | None:
        """The current turn with its files, or None when the mention has none."""
        if not mention.file_refs:
            return None
        prefix = _prefix(mention)
        files = [
            LoadedFile(ref, None if ref.problem else self._load(ref.extraction_uri, prefix))
            for ref in mention.file_refs
        ]
        return plan_user_turn(
            mention.question,
            files,
            spec=self._spec,
            room=self._room,
            max_file_tokens=self._settings.max_file_tokens,
        )

    def expander(self, mention: Mention) -> Callable[[StoredTurn], Any]:
        """Rebuilds an earlier turn of this thread that was stored with file references."""
        prefix = _prefix(mention)

        def expand(turn: StoredTurn) -> Any:
            uris = {
                str(ref.get("extraction_uri") or "")
                for ref in turn.file_refs
                if ref.get("kind") in ("text", "image")
            }
            loaded = {uri: self._load(uri, prefix) for uri in uris}
            question = turn.content if isinstance(turn.content, str) else ""
            return rebuild_user_turn(question, turn.file_refs, loaded, spec=self._spec)

        return expand

    def _load(self, uri: str, prefix: str) -> Extraction | None:
        try:
            bucket, name = parse_gcs_uri(uri)
        except ValueError:
            return None
        if bucket != self._settings.files_bucket or not name.startswith(prefix):
            logger.warning("refused a file reference outside this thread", extra={"uri": uri})
            return None
        with self._lock:
            if uri in self._cache:
                self._cache.move_to_end(uri)
                return self._cache[uri]
        record = self._bucket().get_json(name)
        if record is None:
            return None
        extraction = Extraction.from_json(record)
        self._remember(uri, extraction)
        return extraction

    def _remember(self, uri: str, extraction: Extraction) -> None:
        with self._lock:
            if uri in self._cache:
                return
            self._cache[uri] = extraction
            self._cached_chars += _size(extraction)
            while self._cached_chars > _CACHE_CHARS and len(self._cache) > 1:
                _, dropped = self._cache.popitem(last=False)
                self._cached_chars -= _size(dropped)

    def _bucket(self) -> BucketStore:
        if self._store is None:
            client = storage_client(self._settings.google_cloud_project)
            self._store = BucketStore(client, self._settings.files_bucket)
        return self._store


def _prefix(mention: Mention) -> str:
    return thread_prefix(
        team_id=mention.team_id, channel=mention.channel, thread_ts=mention.thread_ts
    )


def _size(extraction: Extraction) -> int:
    return len(extraction.text) + len(extraction.image_data_url)
