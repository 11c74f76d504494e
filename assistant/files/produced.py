"""Files the bot produces: a CSV table or a long code block in the answer becomes a file.

After the final answer, each fenced block marked `csv`, and each fenced block longer than
`LONG_BLOCK_CHARS` (a generated script, say), is uploaded into the thread with
`files_upload_v2` and mirrored to `<team>/<channel>/<thread_ts>/bot/<event_id>/<name>`.

Redelivery-safe: the bucket object is written first and marked with the Slack file id once the
upload succeeded; a marked object is never uploaded again. The answer is already in the thread
when this runs, so a failure here is logged and does not fail (and re-answer) the mention.

    >>> [f.name for f in find_answer_files("Here:\\n```csv\\na,b\\n1,2\\n```\\n")]
    ['answer.csv']
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable

from google.api_core.exceptions import GoogleAPIError
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from assistant.files.store import BucketStore, bot_file_name, thread_prefix
from assistant.mention import Mention

__all__ = ["AnswerFile", "AnswerFiles", "find_answer_files"]

logger = logging.getLogger(__name__)

LONG_BLOCK_CHARS = 3_000
_MAX_FILES = 5
_FENCE = re.compile(
    r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)\n(?P<body>.*?)\n?^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_EXTENSIONS = {
    "csv": "csv", "tsv": "tsv", "python": "py", "py": "py", "javascript": "js", "js": "js",
    "typescript": "ts", "ts": "ts", "bash": "sh", "sh": "sh", "shell": "sh", "zsh": "sh",
    "sql": "sql", "json": "json", "yaml": "yaml", "yml": "yaml", "toml": "toml", "html": "html",
    "css": "css", "java": "java", "go": "go", "rust": "rs", "c": "c", "cpp": "cpp", "c++": "cpp",
    "csharp": "cs", "cs": "cs", "ruby": "rb", "php": "php", "kotlin": "kt", "swift": "swift",
    "r": "r", "markdown": "md", "md": "md", "xml": "xml", "hcl": "tf", "terraform": "tf",
    "dockerfile": "Dockerfile", "makefile": "mk",
}  # fmt: skip
_CONTENT_TYPES = {"csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/json"}


@dataclasses.dataclass(frozen=True)
class AnswerFile:
    name: str
    content: str

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES.get(self.name.rsplit(".", 1)[-1], "text/plain")


def find_answer_files(answer: str, *, long_block: int = LONG_BLOCK_CHARS) -> list[AnswerFile]:
    """The fenced blocks worth a file, named `answer.csv`, `snippet.py`, `snippet-2.py`, ..."""
    found: list[AnswerFile] = []
    taken: set[str] = set()
    for match in _FENCE.finditer(answer):
        language = (match["info"].split() or [""])[0].lower()
        body = match["body"]
        if language != "csv" and len(body) <= long_block:
            continue
        stem = "answer" if language in ("csv", "tsv") else "snippet"
        extension = _EXTENSIONS.get(language, "txt")
        name, number = f"{stem}.{extension}", 1
        while name in taken:
            number += 1
            name = f"{stem}-{number}.{extension}"
        taken.add(name)
        found.append(AnswerFile(name, body if body.endswith("\n") else body + "\n"))
    return found[:_MAX_FILES]


class AnswerFiles:
    def __init__(self, *, slack: WebClient, bucket: str, store: Callable[[], BucketStore]) -> None:
        self._slack = slack
        self._bucket_name = bucket
        self._store_factory = store
        self._store: BucketStore | None = None

    def share(self, mention: Mention, answer: str) -> int:
        """Upload the answer's files into the thread; returns how many were uploaded now."""
        files = find_answer_files(answer)
        if not files:
            return 0
        if not self._bucket_name:
            logger.warning("FILES_BUCKET is not set; not sharing files from the answer")
            return 0
        uploaded = 0
        try:
            for file in files:
                uploaded += self._share_one(mention, file)
        except (SlackClientError, GoogleAPIError, OSError) as error:
            logger.warning(
                "could not share a file from the answer",
                extra={"error": repr(error)},
            )
        return uploaded

    def _share_one(self, mention: Mention, file: AnswerFile) -> int:
        store = self._bucket()
        prefix = thread_prefix(
            team_id=mention.team_id, channel=mention.channel, thread_ts=mention.thread_ts
        )
        name = bot_file_name(prefix, mention.event_id, file.name)
        metadata = store.metadata(name)
        if metadata and metadata.get("slack_file_id", "pending") != "pending":
            return 0  # shared by an earlier delivery of this event
        if metadata is None:
            store.put(
                name,
                file.content.encode(),
                content_type=file.content_type,
                metadata={
                    "slack_event_id": mention.event_id,
                    "slack_file_id": "pending",
                    "original_name": file.name,
                },
            )
        response = self._slack.files_upload_v2(
            channel=mention.channel,
            thread_ts=mention.thread_ts,
            content=file.content.encode(),
            filename=file.name,
            title=file.name,
        )
        shared = response.get("file") or (response.get("files") or [{}])[0]
        store.set_metadata(name, {"slack_file_id": str(shared.get("id") or "unknown")})
        logger.info(
            "shared a file from the answer",
            extra={"file": file.name, "object": name},
        )
        return 1

    def _bucket(self) -> BucketStore:
        if self._store is None:
            self._store = self._store_factory()
        return self._store
