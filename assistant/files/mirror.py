"""The files function's core: mirror a mention's attachments to Cloud Storage and describe them.

For each attachment: download it from Slack, store the bytes under the thread's folder, extract
what the model can read, and store that extraction next to it. The result is one `FileRef` per
attachment, readable or with the reason it is not.

Idempotent by construction: object names derive from the thread and Slack's file id, and the
extraction record is written last, so when it exists the file was fully handled before and
nothing is downloaded or written again. Before a file is read, that record is written as a
marker naming it unreadable ("an earlier attempt to read it did not finish"); reading replaces
it. So a file whose reading took the whole instance down (out of memory, past the timeout) is
never read again: the redelivery finds the marker and passes the question on with that reason.
Reading itself runs in a child process with limits (`isolation.IsolatedExtractor`, passed in by
the files function), so a poison file normally becomes its reason on the first attempt.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from google.api_core.exceptions import GoogleAPIError

from assistant.config import Settings
from assistant.files.download import Downloaded, TransientDownloadError, download
from assistant.files.extract import Extraction, extract
from assistant.files.store import (
    BucketStore,
    extraction_name,
    file_object_name,
    metadata_value,
    thread_prefix,
)
from assistant.mention import FileRef, Mention, SlackFile

__all__ = ["FileMirror"]

logger = logging.getLogger(__name__)

EXTRACTION_VERSION = 1
_CHARS_PER_TOKEN_CAP = 8  # keep at most this many characters per allowed token of text
_GAVE_UP = "I could not fetch it from Slack, even after several tries"
_READING = "reading"  # the record's state while a file is being read: the marker

Fetch = Callable[..., Downloaded]
Lookup = Callable[[str], SlackFile | None]  # files.info, for events that carry only an id
Extract = Callable[..., Extraction]  # extract.extract's signature
_UNAVAILABLE = "I have no access to it, or it was deleted"
_INTERRUPTED = (
    "an earlier attempt to read it did not finish, so I did not try again "
    "(it may be damaged, or unusually complex)"
)
_FAILED = "an error on my side stopped me from reading it"


class FileMirror:
    def __init__(
        self,
        settings: Settings,
        *,
        store: BucketStore,
        fetch: Fetch = download,
        lookup: Lookup | None = None,
        extract: Extract = extract,
    ) -> None:
        self._settings = settings
        self._store = store
        self._fetch = fetch
        self._lookup = lookup
        self._extract = extract

    def mirror(self, mention: Mention, *, last_attempt: bool = False) -> tuple[FileRef, ...]:
        """One reference per attachment. Raises on transient failures, unless `last_attempt`:
        then the file is described as unreadable so the question is still answered."""
        limit = self._settings.max_files_per_message
        refs = []
        for index, file in enumerate(mention.files):
            if index >= limit:
                problem = f"only the first {limit} files of a message are read"
                refs.append(_ref(file, problem=problem))
                continue
            try:
                refs.append(self._mirror_one(mention, file))
            except (TransientDownloadError, GoogleAPIError) as error:
                if not last_attempt:
                    raise
                logger.warning(
                    "giving up on a file",
                    extra={"event_id": mention.event_id, "file_id": file.id, "error": str(error)},
                )
                refs.append(_ref(file, problem=_GAVE_UP))
            except Exception:
                # The last attempt: the question is answered with this file named, rather than
                # dead-lettered unanswered.
                if not last_attempt:
                    raise
                logger.exception(
                    "failed on a file; passing the question on without it",
                    extra={"event_id": mention.event_id, "file_id": file.id},
                )
                refs.append(_ref(file, problem=_FAILED))
        return tuple(refs)

    def _mirror_one(self, mention: Mention, file: SlackFile) -> FileRef:
        prefix = thread_prefix(
            team_id=mention.team_id, channel=mention.channel, thread_ts=mention.thread_ts
        )
        record_name = extraction_name(prefix, file.id)
        record = self._store.get_json(record_name)
        if record is not None:
            if record.get("state") == _READING:
                logger.warning(
                    "an earlier attempt died reading this file", extra={"file_id": file.id}
                )
            else:
                logger.info("file already mirrored", extra={"file_id": file.id})
            return _ref(
                file,
                gcs_uri=str(record.get("gcs_uri") or ""),
                extraction_uri=self._store.uri(record_name),
                extraction=Extraction.from_json(record),
            )

        settings = self._settings
        complete = self._complete(file)
        if complete is None:
            fetched = Downloaded(problem=_UNAVAILABLE)
        else:
            file = complete
            fetched = self._fetch(
                file.url_private_download,
                token=settings.slack_bot_token,
                max_bytes=settings.max_file_bytes,
                expected_mimetype=file.mimetype,
                expected_size=file.size,
                slack_api_url=settings.slack_api_url,
            )
        metadata = _metadata(mention, file)
        gcs_uri = ""
        if fetched.problem:
            extraction = Extraction.unreadable(fetched.problem)
        else:
            content_type = file.mimetype or fetched.content_type
            gcs_uri = self._store.put(
                file_object_name(prefix, file.id, file.name or file.id),
                fetched.data,
                content_type=content_type,
                metadata=metadata,
            )
            marker = _record(file, gcs_uri, Extraction.unreadable(_INTERRUPTED), state=_READING)
            self._store.put_json(record_name, marker, metadata=metadata)
            extraction = self._extract(
                fetched.data,
                name=file.name,
                mimetype=content_type,
                max_chars=settings.max_file_tokens * _CHARS_PER_TOKEN_CAP,
            )
        document = _record(file, gcs_uri, extraction)
        extraction_uri = self._store.put_json(record_name, document, metadata=metadata)
        logger.info(
            "file mirrored",
            extra={
                "event_id": mention.event_id,
                "file_id": file.id,
                "bytes": len(fetched.data),
                "kind": extraction.kind,
                "problem": extraction.problem,
            },
        )
        return _ref(file, gcs_uri=gcs_uri, extraction_uri=extraction_uri, extraction=extraction)

    def _complete(self, file: SlackFile) -> SlackFile | None:
        """The file with its download link, from files.info when the event carried none."""
        if file.url_private_download or self._lookup is None:
            return file
        found = self._lookup(file.id)
        if found is None:
            return None
        return dataclasses.replace(
            found, name=file.name or found.name, mimetype=file.mimetype or found.mimetype
        )


def _record(
    file: SlackFile, gcs_uri: str, extraction: Extraction, *, state: str = ""
) -> dict[str, object]:
    document: dict[str, object] = {
        "version": EXTRACTION_VERSION,
        "file_id": file.id,
        "name": file.name,
        "mimetype": file.mimetype,
        "gcs_uri": gcs_uri,
        **extraction.to_json(),
    }
    if state:
        document["state"] = state
    return document


def _ref(
    file: SlackFile,
    *,
    gcs_uri: str = "",
    extraction_uri: str = "",
    extraction: Extraction | None = None,
    problem: str = "",
) -> FileRef:
    return FileRef(
        file_id=file.id,
        name=file.name or file.id,
        mimetype=file.mimetype,
        gcs_uri=gcs_uri,
        extraction_uri=extraction_uri,
        kind=extraction.kind if extraction else "",
        problem=extraction.problem if extraction else problem,
    )


def _metadata(mention: Mention, file: SlackFile) -> dict[str, str]:
    values = {
        "slack_file_id": file.id,
        "slack_user": mention.user,
        "slack_event_id": mention.event_id,
        "slack_team": mention.team_id,
        "slack_channel": mention.channel,
        "slack_thread_ts": mention.thread_ts,
        "original_name": file.name,
    }
    return {key: metadata_value(value) for key, value in values.items()}
