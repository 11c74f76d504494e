"""The `run_python` tool: the thread's files in, the code's files out to the thread and bucket.

Inputs are every file of the thread in the bucket, by file name: the uploads
(`<thread>/<file_id>/<name>`) and whatever the bot posted, earlier runs' outputs included
(`<thread>/bot/...`); for a name seen twice the newest wins, so a run sees what the previous
run wrote. Only the mention's own thread prefix is listed, so another thread's files never
reach a run. The executor gets them inside its request (it never reads storage).

Each new or changed file the run leaves is mirrored to
`<thread>/bot/<event_id>/run-<key>/<name>` and posted into the thread with `files_upload_v2`
(a PNG shows as an image). `key` is a digest of the event and the code, so a redelivered
mention that runs the same code again finds its files already posted and posts nothing twice.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import mimetypes
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from google.api_core.exceptions import GoogleAPIError
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from assistant.executor.client import ExecutorClient, ExecutorError
from assistant.executor.protocol import (
    MAX_INPUT_BYTES,
    RunFile,
    RunRequest,
    RunResult,
    Skipped,
    valid_name,
)
from assistant.executor.report import code_footer, describe, run_summary, unavailable
from assistant.files.store import (
    EXTRACTION_NAME,
    BucketStore,
    StoredObject,
    run_output_name,
    safe_name,
    thread_prefix,
)
from assistant.llm.tools import Tool
from assistant.mention import Mention

__all__ = ["RUN_PYTHON", "CodeRuns", "choose_inputs"]

logger = logging.getLogger(__name__)

RUN_PYTHON = "run_python"
STATUS = "Running Python…"
MAX_INPUT_FILES = 50
DESCRIPTION = (
    "Run Python 3 code in an isolated sandbox and get back its exit status, stdout, stderr and "
    "the files it wrote. The working directory holds this thread's files by name (the "
    "attachments, and files earlier runs wrote): os.listdir() shows them. pandas, numpy, "
    "matplotlib (Agg; Japanese labels render) and openpyxl are installed; there is no network. "
    "Limits: {wall:g} s, 1.5 GiB of memory, 20 MB of output files. Every file you save in the "
    "working directory (plt.savefig('chart.png'), df.to_csv('result.csv')) is posted to the "
    "thread and kept for later runs. Print the numbers you report, and report only what the "
    "output shows."
)
PARAMETERS: Mapping[str, Any] = {
    "type": "object",
    "properties": {"code": {"type": "string", "description": "The Python 3 program to run."}},
    "required": ["code"],
    "additionalProperties": False,
}


def choose_inputs(
    objects: Sequence[StoredObject], prefix: str, *, budget: int = MAX_INPUT_BYTES
) -> tuple[list[tuple[str, StoredObject]], list[Skipped]]:
    """(name, object) for the run's working directory, newest first per name, within budget."""
    chosen: list[tuple[str, StoredObject]] = []
    left_out: list[Skipped] = []
    seen: set[str] = set()
    total = 0
    for item in sorted(objects, key=lambda o: (o.updated, o.generation, o.name), reverse=True):
        if not item.name.startswith(prefix):
            continue
        name = item.name.rsplit("/", 1)[-1]
        if name == EXTRACTION_NAME or not valid_name(name) or name in seen:
            continue
        seen.add(name)
        if len(chosen) >= MAX_INPUT_FILES:
            left_out.append(Skipped(name, f"more than {MAX_INPUT_FILES} files in the thread"))
        elif total + item.size > budget:
            left_out.append(Skipped(name, f"over the {budget // 1_000_000} MB a run can be given"))
        else:
            total += item.size
            chosen.append((name, item))
    return sorted(chosen), left_out


@dataclasses.dataclass(frozen=True, kw_only=True)
class CodeRuns:
    """What every mention's `run_python` shares; `tool(mention)` binds it to one thread."""

    client: ExecutorClient
    store: Callable[[], BucketStore]
    slack: WebClient
    timeout_seconds: float = 60.0

    def tool(self, mention: Mention) -> Tool:
        return Tool(
            name=RUN_PYTHON,
            description=DESCRIPTION.format(wall=self.timeout_seconds),
            parameters=PARAMETERS,
            run=functools.partial(self._run, mention),
            status=STATUS,
            summarize=run_summary,
            footer=lambda calls, answer: code_footer(
                [str(call.get("code", "")) for call in calls], answer
            ),
        )

    def _run(self, mention: Mention, arguments: Mapping[str, Any], *, deadline: float) -> str:
        code = arguments.get("code")
        if not isinstance(code, str) or not code.strip():
            return "Error: `code` must be a non-empty string of Python 3."
        prefix = _prefix(mention)
        store = self.store()
        chosen, left_out = choose_inputs(store.list(prefix), prefix)
        files = []
        for name, item in chosen:
            data = store.get(item.name)
            if data is not None:
                files.append(RunFile(name, data))
        key = hashlib.sha256(f"{mention.event_id}\n{code}".encode()).hexdigest()[:16]
        request = RunRequest(
            run_id=f"{mention.event_id}:{key}",
            code=code,
            files=tuple(files),
            timeout_seconds=self.timeout_seconds,
        )
        try:
            result = self.client.run(request, deadline=deadline)
        except ExecutorError as error:
            logger.warning("code execution failed", extra={"reason": str(error)})
            return f"Error: the code could not be run ({error}). It may not have run at all."
        if result.status == "unavailable":
            logger.error("code execution is unavailable", extra={"reason": result.message})
            return unavailable(result.message)
        logger.info(
            "code ran",
            extra={
                "exit_code": result.exit_code,
                "limit": result.limit,
                "run_seconds": result.seconds,
                "files_written": len(result.files),
            },
        )
        posted, post_error = self._share(mention, key, result)
        return describe(
            result,
            inputs=[file.name for file in files],
            left_out=left_out,
            posted=posted,
            post_error=post_error,
            wall_seconds=self.timeout_seconds,
        )

    def _share(self, mention: Mention, key: str, result: RunResult) -> tuple[list[str], str]:
        """Mirror then post the run's files; (names posted, why posting failed or "")."""
        if not result.files:
            return [], ""
        prefix, store = _prefix(mention), self.store()
        uploads: list[dict[str, Any]] = []  # files_upload_v2's file_uploads
        names: list[str] = []
        posted: list[str] = []
        try:
            for file in result.files:
                name = safe_name(file.name.replace("/", "_"))
                object_name = run_output_name(prefix, mention.event_id, key, name)
                metadata = store.metadata(object_name) or {}
                if metadata.get("slack_file_id", "pending") != "pending":
                    posted.append(name)  # by an earlier delivery of this mention
                    continue
                store.put(
                    object_name,
                    file.data,
                    content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
                    metadata={
                        "slack_event_id": mention.event_id,
                        "slack_file_id": "pending",
                        "original_name": name,
                    },
                )
                uploads.append({"content": file.data, "filename": name, "title": name})
                names.append(object_name)
            if uploads:
                response = self.slack.files_upload_v2(
                    channel=mention.channel, thread_ts=mention.thread_ts, file_uploads=uploads
                )
                shared = response.get("files") or [response.get("file") or {}]
                for index, object_name in enumerate(names):
                    file_id = shared[index].get("id") if index < len(shared) else None
                    store.set_metadata(object_name, {"slack_file_id": str(file_id or "unknown")})
                posted += [upload["filename"] for upload in uploads]
        except (SlackClientError, GoogleAPIError, OSError) as error:
            logger.warning("could not post a run's files", extra={"error": repr(error)})
            return posted, f"{type(error).__name__}: {str(error)[:200]}"
        return posted, ""


def _prefix(mention: Mention) -> str:
    return thread_prefix(
        team_id=mention.team_id, channel=mention.channel, thread_ts=mention.thread_ts
    )
