"""A day in the life: realistic requests through the whole local stack with the default local
model, each checked against the facts its answer must hold.

What `nox -s dev` runs (Qwen2.5-Coder-1.5B through the tool shim, local e5 embeddings, this
repository's docs/ indexed as documents, the executor), driven through the Slack sandbox as a
person would: plain questions, documents questions that must cite, CSV and Excel questions whose
answers pandas computes here from the same file (in the executor's own runtime), a chart, thread
summaries in English and Japanese, and a follow-up. Prints pass/fail with the reason, the time
to the first answer text (a status or "Thinking…" is not text) and to the final answer.

    python -m bench.day_in_the_life                  # the local model (minutes)
    python -m bench.day_in_the_life --deterministic  # the harness itself, with the fake model
    python -m bench.day_in_the_life plain-tcp docs-deploy  # those requests only (and the
                                                           # ones they follow up)
    python -m bench.day_in_the_life --log-prompts  # stack/responder.log: prompts, first token
"""

from __future__ import annotations

import dataclasses
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from google.cloud import firestore

from bench.day_requests import (
    SEEDED_THREADS,
    Request,
    life_expectancy_csv,
    pandas_facts,
    requests_for,
    units_workbook,
)
from devstack.embeddings import embeddings_available, start_embeddings
from devstack.executor_runtime import ensure_runtime
from devstack.knowledge import PREFIX, local_e5_env
from devstack.local_model import QWEN, local_model_available, start_local_model
from devstack.processes import interrupt_on_sigterm
from devstack.stack import REPO_ROOT, LocalStack, StackOptions

CHANNEL, USER, BOT = "C0GENERAL", "U0ALICE", "<@U0BOT>"
ANSWER_TIMEOUT = 300.0
PROGRESS = ("_Thinking…_", "")
FINAL_STATES = ("done", "failed")
UNLIMITED = {"USER_MENTIONS_PER_MINUTE": "0"}  # one person asks all twelve, quickly


@dataclasses.dataclass
class Outcome:
    request: Request
    passed: bool = False
    why: str = ""
    first_text_s: float | None = None
    final_s: float | None = None
    thread_ts: str = ""


class Workspace:
    """The Slack sandbox, as a person and an observer."""

    def __init__(self, base_url: str, db: firestore.Client) -> None:
        self.base_url, self.db, self.http = base_url, db, requests.Session()

    def post(self, text: str, *, user: str = USER, thread_ts: str = "", files=()) -> dict:
        payload: dict[str, Any] = {"channel": CHANNEL, "user": user, "text": text}
        if thread_ts:
            payload["thread_ts"] = thread_ts
        if files:
            import base64

            payload["files"] = [
                {"name": f.name, "mimetype": f.mimetype,
                 "content_base64": base64.b64encode(f.content).decode()}
                for f in files
            ]  # fmt: skip
        response = self.http.post(f"{self.base_url}/_sandbox/messages", json=payload, timeout=30)
        response.raise_for_status()
        return response.json()

    def bot_messages(self, thread_ts: str) -> list[dict]:
        response = self.http.get(
            f"{self.base_url}/_sandbox/messages",
            params={"channel": CHANNEL, "thread_ts": thread_ts},
            timeout=10,
        )
        response.raise_for_status()
        return [m for m in response.json()["messages"] if m.get("user") == "U0BOT"]

    def claim_state(self, event_id: str) -> str:
        match = firestore.FieldFilter("event_id", "==", event_id)
        found = self.db.collection("event_claims").where(filter=match).limit(1).get()
        return str(found[0].to_dict().get("state", "")) if found else ""


def ask(space: Workspace, request: Request, thread_ts: str) -> Outcome:
    outcome = Outcome(request)
    start = time.perf_counter()
    posted = space.post(f"{BOT} {request.text}", thread_ts=thread_ts, files=request.files)
    outcome.thread_ts = thread_ts or posted["ts"]
    seen = {m["ts"] for m in space.bot_messages(outcome.thread_ts)}
    deadline = start + ANSWER_TIMEOUT
    while time.perf_counter() < deadline:
        new = [m for m in space.bot_messages(outcome.thread_ts) if m["ts"] not in seen]
        texts = [_text(m) for m in new if _text(m) not in PROGRESS and not m.get("files")]
        if texts and outcome.first_text_s is None:
            outcome.first_text_s = time.perf_counter() - start
        if space.claim_state(posted["event_id"]) in FINAL_STATES:
            outcome.final_s = time.perf_counter() - start
            answer = "\n".join(texts)
            images = [f for m in new for f in m.get("files") or [] if _is_image(f)]
            outcome.passed, outcome.why = check(request, answer, images)
            return outcome
        time.sleep(0.1)
    outcome.why = f"no final answer within {ANSWER_TIMEOUT:.0f} s"
    return outcome


def check(request: Request, answer: str, images: list[dict]) -> tuple[bool, str]:
    missing = [p for p in request.expect if not re.search(p, answer, re.IGNORECASE)]
    if missing:
        return False, f"missing {missing}: {answer[:160]!r}"
    sources = answer.partition("Sources")[2]
    if request.cites and document_title(request.cites) not in sources:
        return False, f"no citation of {request.cites}: {sources.strip()[:120]!r}"
    if request.no_sources and sources:
        return False, "passages were cited for a general question"
    if request.chart and not images:
        return False, "no chart was posted"
    return True, ""


def document_title(name: str) -> str:
    """How Sources names one of docs/' documents: by its title, its first heading (they are
    indexed without a link, so the file name is not shown)."""
    first = (REPO_ROOT / "docs" / name).read_text(encoding="utf-8").splitlines()[0]
    return first.lstrip("#").strip()


def _text(message: dict) -> str:
    return str(message.get("markdown_text") or message.get("text") or "").strip()


def _is_image(file: dict) -> bool:
    return str(file.get("mimetype", "")).startswith("image/")


def run(
    log_dir: Path,
    *,
    deterministic: bool = False,
    only: tuple[str, ...] = (),
    log_prompts: bool = False,
) -> list[dict]:
    """One row per request; a single row saying why when the stack cannot run here.
    `deterministic`: the fake model instead (checks the harness itself, in a minute);
    `only`: those requests by name (with the requests they follow up), not all."""
    runtime, problem = ensure_runtime()
    if runtime is None:
        return [{"request": "all", "result": f"not run: {problem}"}]
    if deterministic:
        options = StackOptions(log_dir=log_dir / "stack", function_env=UNLIMITED)
        with LocalStack.start(options) as stack:
            return _day(stack, runtime, only)
    missing = local_model_available(QWEN) or embeddings_available()
    if missing:
        return [{"request": "all", "result": f"not run: {missing}"}]
    model = start_local_model(log_dir / "model", QWEN)
    embeddings, embeddings_url = start_embeddings(log_dir)
    try:
        spec = model.spec
        options = StackOptions(
            log_dir=log_dir / "stack",
            openai_base_url=model.base_url,
            openai_model=spec.name,
            function_env={
                **local_e5_env(embeddings_url),
                "MODEL_CONTEXT_TOKENS": str(spec.context_tokens),
                "RESERVED_OUTPUT_TOKENS": str(spec.context_tokens // 4),
                "OPENAI_TIMEOUT_SECONDS": "120",
                # --log-prompts: the responder logs each prompt and its first token (INFO)
                "LOG_LEVEL": "INFO" if log_prompts else "WARNING",
                "LOG_PROMPTS": str(log_prompts).lower(),
                **UNLIMITED,
            },
        )
        with LocalStack.start(options) as stack:
            return _day(stack, runtime, only)
    finally:
        embeddings.stop()
        for process in model.processes:
            process.stop()


def _day(stack: LocalStack, runtime: Path, only: tuple[str, ...] = ()) -> list[dict]:
    os.environ.update(stack.env)  # the emulators' addresses, for this process's clients
    _index_docs(stack)
    csv, xlsx = life_expectancy_csv(), units_workbook()
    facts = pandas_facts(runtime / "bin" / "python", csv, xlsx)
    space = Workspace(stack.sandbox_url, firestore.Client(project=stack.options.project))
    threads = {name: _seed(space, messages) for name, messages in SEEDED_THREADS.items()}
    rows = []
    for request in selected(requests_for(facts, csv, xlsx), only):
        outcome = ask(space, request, threads.get(request.thread, ""))
        threads[request.name] = outcome.thread_ts
        rows.append(
            {
                "request": request.name,
                "result": "pass" if outcome.passed else f"FAIL: {outcome.why}",
                "first_text_s": _seconds(outcome.first_text_s),
                "final_s": _seconds(outcome.final_s),
            }
        )
        print(_line(rows[-1], width=14), file=sys.stderr, flush=True)  # a long run's progress
    firsts = [r["first_text_s"] for r in rows if isinstance(r["first_text_s"], float)]
    rows.append(
        {
            "request": "all",
            "result": f"{sum(r['result'] == 'pass' for r in rows)}/{len(rows)} passed",
            "first_text_s": _seconds(statistics.median(firsts) if firsts else None),
            "final_s": "p50 of first text",
        }
    )
    return rows


def selected(requests: list[Request], only: tuple[str, ...]) -> list[Request]:
    """The requests named in `only` and the earlier requests whose threads they continue.

    >>> names = [r.name for r in selected([Request("a", ""), Request("b", "", thread="a"),
    ...                                    Request("c", "")], ("b",))]
    >>> names
    ['a', 'b']
    """
    if not only:
        return requests
    wanted = set(only)
    for request in reversed(requests):
        if request.name in wanted and request.thread:
            wanted.add(request.thread)
    return [request for request in requests if request.name in wanted]


def _seed(space: Workspace, messages: list[tuple[str, str]]) -> str:
    (user, text), *rest = messages
    root = space.post(text, user=user)["ts"]
    for user, text in rest:
        space.post(text, user=user, thread_ts=root)
    return root


def _index_docs(stack: LocalStack, timeout: float = 600) -> None:
    names = [PREFIX + name for name in stack.knowledge().upload_paths([REPO_ROOT / "docs"])]
    db = firestore.Client(project=stack.options.project)
    from assistant.retrieval.index import KnowledgeIndex

    index = KnowledgeIndex(db)

    def done(name: str) -> bool:
        state = index.state(name)
        return state is not None and state.state in ("indexed", "failed")

    deadline = time.monotonic() + timeout
    while not all(done(name) for name in names):
        if time.monotonic() > deadline:
            raise TimeoutError(f"docs/ were not indexed within {timeout:.0f} s")
        time.sleep(1)


def _seconds(value: float | None) -> float | str:
    return round(value, 1) if value is not None else "-"


def _line(row: dict, *, width: int) -> str:
    return (
        f"{row['request']:<{width}}  first {row.get('first_text_s', '-')!s:>6}  "
        f"final {row.get('final_s', '-')!s:>6}  {row['result']}"
    )


def main(argv: list[str]) -> int:
    interrupt_on_sigterm()  # a killed run still stops its model, emulators and functions
    deterministic = "--deterministic" in argv
    only = tuple(arg for arg in argv if not arg.startswith("--"))
    log_dir = Path(tempfile.mkdtemp(prefix="bench-day-"))
    rows = run(log_dir, deterministic=deterministic, only=only, log_prompts="--log-prompts" in argv)
    width = max(len(r["request"]) for r in rows)
    for row in rows:
        print(_line(row, width=width))
    print(f"logs: {log_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
