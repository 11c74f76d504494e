"""The `run_python` tool: the thread's files in, the code's files out to the thread and bucket.

Inputs are every file of the thread in the bucket, by file name: the uploads
(`<thread>/<file_id>/<name>`) and whatever the bot posted, earlier runs' outputs included
(`<thread>/bot/...`); for a name seen twice the newest wins, so a run sees what the previous
run wrote. Only the mention's own thread prefix is listed, so another thread's files never
reach a run. The executor gets them inside its request (it never reads storage).

Each new or changed file the run leaves is mirrored to
`<thread>/bot/<event_id>/run-<key>/<name>` and posted into the thread (a PNG shows as an
image) as the result streams in: one file at a time is read, stored and uploaded (Slack's
files.getUploadURLExternal), then let go; one files.completeUploadExternal shares them all in
one message, as files_upload_v2 would. `key` is a digest of the event and the code, so a
redelivered mention that runs the same code again finds its files already posted and posts
nothing twice.

A CSV or `<name>.chart.json` the run writes that fits Slack's `table` / `data_visualization`
limits is also shown natively under the answer (`visuals.py`; such files are small, so they
are kept while the others are let go). Those blocks are rebuilt from the mirrored files by
the calls' code (`blocks`), so an answer finished by a takeover, whose rounds were replayed
rather than run, shows them too.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import mimetypes
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import requests
from google.api_core.exceptions import GoogleAPIError
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError, SlackRequestError

from assistant.executor.client import ExecutorClient, ExecutorError
from assistant.executor.protocol import (
    MAX_INPUT_BYTES,
    MAX_OUTPUT_BYTES,
    MAX_OUTPUT_FILE_BYTES,
    MAX_OUTPUT_FILES,
    ProtocolError,
    RunFile,
    RunRequest,
    Skipped,
    valid_name,
)
from assistant.executor.report import code_footer, describe, run_summary, unavailable
from assistant.executor.slots import MAX_RUNS_PER_PERSON, LocalRunSlots, RunSlots, slot
from assistant.executor.visuals import answer_blocks, assess, is_visual
from assistant.executor.visuals import report as visuals_report
from assistant.executor.workdir import (
    MAX_PREVIEWS,
    PREVIEW_BYTES,
    TablePreview,
    WorkdirFile,
    describe_workdir,
    is_workbook_name,
    previewable,
    table_preview,
    workbook_preview,
)
from assistant.files.store import (
    EXTRACTION_NAME,
    BucketStore,
    StoredObject,
    run_output_name,
    safe_name,
    thread_prefix,
)
from assistant.llm.tools import CallRecord, Tool
from assistant.mention import Mention

__all__ = ["RUN_PYTHON", "CodeRuns", "choose_inputs"]

logger = logging.getLogger(__name__)

RUN_PYTHON = "run_python"
STATUS = "Running Python…"
MAX_INPUT_FILES = 50
DESCRIPTION = (
    "Run Python 3 code in an isolated sandbox and get back its exit status, stdout, stderr and "
    "the files it wrote. The working directory holds this thread's files by name (the "
    "attachments, and files earlier runs wrote): os.listdir() shows them. Each run starts "
    "afresh: no variable of an earlier run exists, so read the files again. pandas, numpy, "
    "matplotlib (Agg; Japanese labels render) and openpyxl are installed; there is no network. "
    "Limits: {wall:g} s; 1.5 GiB of memory per process and 2 GiB for all of them; output "
    f"files of at most {MAX_OUTPUT_FILE_BYTES // 1_000_000} MB each, "
    f"{MAX_OUTPUT_BYTES // 1_000_000} MB and {MAX_OUTPUT_FILES} files in all (larger ones are "
    "not kept: write a smaller summary or sample instead). Every file you save in the "
    "working directory (plt.savefig('chart.png'), df.to_csv('result.csv')) is posted to the "
    "thread and kept for later runs. Print the numbers you report, and report only what the "
    "output shows. Slack shows small results natively under your answer: a CSV you write "
    "(first row the header; at most 100 rows and 20 columns) becomes a table, and a chart "
    "spec you write as NAME.chart.json becomes a chart: "
    '{{"type": "bar"|"line"|"area"|"pie", "title": "at most 50 chars", "categories": '
    '["at most 20 labels of 20 chars"], "series": [{{"name": "at most 20 chars", "values": '
    '[one number per category]}}], "x_label": "", "y_label": ""}} (1-6 series; a pie has one '
    "series of positive values and at most 6 categories). Save the PNG too: it is the "
    "download, and anything over these limits is shown as the file only."
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


BUSY = (
    f"Not run: this person already has {MAX_RUNS_PER_PERSON} code runs going at once, the most "
    "allowed. Nothing was run; say so, and do not run code again in this answer."
)


class RunMeter(Protocol):
    """Where a run's executor seconds are charged (answer/meter.py's Meter, per delivery)."""

    def record_code_run(self, call: str, *, seconds: float) -> float: ...


class _Unmetered:
    """For a tool used outside an answer (tests, benchmarks): nothing is charged."""

    def record_code_run(self, call: str, *, seconds: float) -> float:
        return 0.0


UNMETERED: RunMeter = _Unmetered()


@dataclasses.dataclass(frozen=True, kw_only=True)
class CodeRuns:
    """What every mention's `run_python` shares; `tool(mention, meter)` binds it to one
    thread and one delivery's usage meter (each run's executor seconds are charged to it)."""

    client: ExecutorClient
    store: Callable[[], BucketStore]
    slack: WebClient
    timeout_seconds: float = 60.0
    # Each person's runs going at once, across instances in the cloud (wiring.py).
    slots: RunSlots = dataclasses.field(default_factory=LocalRunSlots)

    def tool(self, mention: Mention, meter: RunMeter = UNMETERED) -> Tool:
        listing = describe_workdir(self._workdir(mention))
        return Tool(
            name=RUN_PYTHON,
            description=DESCRIPTION.format(wall=self.timeout_seconds)
            + (f"\n\n{listing}" if listing else ""),
            parameters=PARAMETERS,
            run=functools.partial(self._run, mention, meter),
            status=STATUS,
            footer=code_footer,
            blocks=functools.partial(self._blocks, mention),
            summarize=run_summary,
        )

    def _workdir(self, mention: Mention) -> list[WorkdirFile]:
        """The files a run would be given, tables previewed from their first bytes; nothing
        (and a log line) when the bucket cannot be read: the tool is offered all the same."""
        prefix = _prefix(mention)
        try:
            store = self.store()
            chosen, _ = choose_inputs(store.list(prefix), prefix)
            files: list[WorkdirFile] = []
            for name, item in chosen:
                tables: tuple[TablePreview, ...] = ()
                if sum(bool(file.tables) for file in files) >= MAX_PREVIEWS:
                    pass
                elif previewable(name):
                    head = store.head(item.name, PREVIEW_BYTES) or b""
                    tables = table_preview(name, head, whole=item.size <= PREVIEW_BYTES)
                elif is_workbook_name(name):  # an upload's extraction has its sheets as CSV
                    folder = item.name.rsplit("/", 1)[0]
                    extraction = store.get_json(f"{folder}/{EXTRACTION_NAME}") or {}
                    tables = workbook_preview(str(extraction.get("text") or ""))
                files.append(WorkdirFile(name, item.size, tables))
        except (GoogleAPIError, OSError) as error:
            logger.warning("could not list the run's files", extra={"error": repr(error)})
            return []
        return files

    def _run(
        self, mention: Mention, meter: RunMeter, arguments: Mapping[str, Any], *, deadline: float
    ) -> str:
        code = arguments.get("code")
        if not isinstance(code, str) or not code.strip():
            return "Error: `code` must be a non-empty string of Python 3."
        key = run_key(mention, code)
        until = datetime.now(UTC) + timedelta(seconds=max(0.0, deadline - time.monotonic()))
        team, user = mention.team_id, mention.user
        with slot(
            self.slots, team=team, user=user, run_id=f"{mention.event_id}:{key}", until=until
        ) as taken:
            if not taken:
                logger.warning("code run refused: the person's runs are all going")
                return BUSY
            text, seconds = self._run_in_slot(mention, code, key, deadline=deadline)
        meter.record_code_run(f"run-{key}", seconds=seconds)
        return text

    def _run_in_slot(
        self, mention: Mention, code: str, key: str, *, deadline: float
    ) -> tuple[str, float]:
        """What the model reads of the run, and the executor seconds it took."""
        prefix = _prefix(mention)
        store = self.store()
        chosen, left_out = choose_inputs(store.list(prefix), prefix)
        files = []
        for name, item in chosen:
            data = store.get(item.name)
            if data is not None:
                files.append(RunFile(name, data))
        request = RunRequest(
            run_id=f"{mention.event_id}:{key}",
            code=code,
            files=tuple(files),
            timeout_seconds=self.timeout_seconds,
        )
        try:
            with self.client.stream(request, deadline=deadline) as reader:
                result = reader.result
                if result.status == "unavailable":
                    logger.error("code execution is unavailable", extra={"reason": result.message})
                    return unavailable(result.message), 0.0
                posted, post_error, visuals = self.client.take_files(
                    reader, functools.partial(self._share, mention, key), deadline=deadline
                )
        except ExecutorError as error:
            logger.warning("code execution failed", extra={"reason": str(error)})
            text = f"Error: the code could not be run ({error}). It may not have run at all."
            return text, 0.0
        logger.info(
            "code ran",
            extra={
                "exit_code": result.exit_code,
                "limit": result.limit,
                "run_seconds": result.seconds,
                "files_written": len(result.outputs),
            },
        )
        text = describe(
            result,
            inputs=[file.name for file in files],
            left_out=left_out,
            posted=posted,
            post_error=post_error,
            wall_seconds=self.timeout_seconds,
            native=visuals_report(assess(visuals)),
        )
        return text, result.seconds

    def _blocks(self, mention: Mention, calls: Sequence[CallRecord]) -> tuple[dict[str, Any], ...]:
        """The native tables and charts of this answer's runs, from their mirrored files."""
        prefix, runs = _prefix(mention), []
        try:
            store = self.store()
            for code in dict.fromkeys(str(call.arguments.get("code", "")) for call in calls):
                folder = run_output_name(prefix, mention.event_id, run_key(mention, code), "x")
                folder = folder.removesuffix("x")
                wanted = [item for item in store.list(folder) if is_visual(item.name, item.size)]
                files = [
                    RunFile(item.name.removeprefix(folder), data)
                    for item in sorted(wanted, key=lambda item: item.name)
                    if (data := store.get(item.name)) is not None
                ]
                runs.append(assess(files))
        except (GoogleAPIError, OSError) as error:
            logger.warning("could not read a run's tables and charts", extra={"error": repr(error)})
        return answer_blocks(runs)

    def _share(
        self, mention: Mention, key: str, files: Iterable[RunFile]
    ) -> tuple[list[str], str, list[RunFile]]:
        """Mirror then post the run's files as they arrive, one at a time; (names posted,
        why posting failed or "", the files that may become tables or charts)."""
        prefix, store = _prefix(mention), self.store()
        uploaded: list[tuple[str, str, str]] = []  # (object name, Slack file id, name)
        posted: list[str] = []
        visuals: list[RunFile] = []
        try:
            for file in files:
                if is_visual(file.name, len(file.data)):
                    visuals.append(file)
                name, object_name, file_id = self._pass_on(mention, key, prefix, store, file)
                if file_id:
                    uploaded.append((object_name, file_id, name))
                else:
                    posted.append(name)  # by an earlier delivery of this mention
                del file  # let it go before the next one is read
            if uploaded:
                self.slack.files_completeUploadExternal(
                    files=[{"id": file_id, "title": name} for _, file_id, name in uploaded],
                    channel_id=mention.channel,
                    thread_ts=mention.thread_ts,
                )
                for object_name, file_id, _ in uploaded:
                    store.set_metadata(object_name, {"slack_file_id": file_id})
                posted += [name for *_, name in uploaded]
        except (
            SlackClientError,
            GoogleAPIError,
            OSError,
            ProtocolError,
            requests.RequestException,
        ) as error:
            logger.warning("could not post a run's files", extra={"error": repr(error)})
            return posted, f"{type(error).__name__}: {str(error)[:200]}", visuals
        return posted, "", visuals

    def _pass_on(
        self, mention: Mention, key: str, prefix: str, store: BucketStore, file: RunFile
    ) -> tuple[str, str, str]:
        """(name, object name, Slack file id): stored, then uploaded to Slack (not yet shared);
        no file id when an earlier delivery of this mention posted it already."""
        name = safe_name(file.name.replace("/", "_"))
        object_name = run_output_name(prefix, mention.event_id, key, name)
        metadata = store.metadata(object_name) or {}
        if metadata.get("slack_file_id", "pending") != "pending":
            return name, object_name, ""
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
        ticket = self.slack.files_getUploadURLExternal(filename=name, length=len(file.data))
        sent = requests.post(str(ticket["upload_url"]), data=file.data, timeout=self.slack.timeout)
        if sent.status_code != 200:
            raise SlackRequestError(f"uploading {name} failed: HTTP {sent.status_code}")
        return name, object_name, str(ticket["file_id"])


def run_key(mention: Mention, code: str) -> str:
    """Names one run of `code` for this mention: the same on every delivery of it."""
    return hashlib.sha256(f"{mention.event_id}\n{code}".encode()).hexdigest()[:16]


def _prefix(mention: Mention) -> str:
    return thread_prefix(
        team_id=mention.team_id, channel=mention.channel, thread_ts=mention.thread_ts
    )
