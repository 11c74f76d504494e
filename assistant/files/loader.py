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

from assistant.conversation.turns import StoredTurn
from assistant.files.context import FileContext, LoadedFile, plan_user_turn, rebuild_user_turn
from assistant.files.extract import Extraction
from assistant.files.store import BucketStore, parse_gcs_uri, thread_prefix
from assistant.llm.messages import Content
from assistant.llm.models import ModelSpec
from assistant.mention import Mention

__all__ = ["ThreadFiles"]

logger = logging.getLogger(__name__)

_CACHE_CHARS = 64_000_000  # about 64 MB of extracted text and image data per instance


class ThreadFiles:
    def __init__(self, *, bucket: str, store: Callable[[], BucketStore]) -> None:
        self._bucket_name = bucket
        self._store_factory = store
        self._store: BucketStore | None = None
        self._cache: OrderedDict[str, Extraction] = OrderedDict()
        self._cached_chars = 0
        self._lock = threading.Lock()  # one responder instance may serve requests in threads

    def user_turn(
        self,
        mention: Mention,
        *,
        spec: ModelSpec,
        room: int,
        max_file_tokens: int,
        read_by_code: frozenset[str] = frozenset(),
    ) -> FileContext | None:
        """The current turn with its files within `room` tokens, or None when it has none;
        the files named in `read_by_code` only previewed (see `plan_user_turn`)."""
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
            spec=spec,
            room=room,
            max_file_tokens=max_file_tokens,
            read_by_code=read_by_code,
        )

    def expand(self, turn: StoredTurn, mention: Mention, *, spec: ModelSpec) -> Content:
        """An earlier turn of this thread as the model saw it, files included."""
        if not turn.file_refs:
            return turn.content
        prefix = _prefix(mention)
        uris = {ref.extraction_uri for ref in turn.file_refs if ref.kind in ("text", "image")}
        loaded = {uri: self._load(uri, prefix) for uri in uris}
        question = turn.content if isinstance(turn.content, str) else ""
        return rebuild_user_turn(question, turn.file_refs, loaded, spec=spec)

    def _load(self, uri: str, prefix: str) -> Extraction | None:
        try:
            bucket, name = parse_gcs_uri(uri)
        except ValueError:
            return None
        if bucket != self._bucket_name or not name.startswith(prefix):
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
            self._store = self._store_factory()
        return self._store


def _prefix(mention: Mention) -> str:
    return thread_prefix(
        team_id=mention.team_id, channel=mention.channel, thread_ts=mention.thread_ts
    )


def _size(extraction: Extraction) -> int:
    return len(extraction.text) + len(extraction.image_data_url)
