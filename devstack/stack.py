"""The whole bot on one machine: emulators, the four functions (ingress, responder, files,
indexer) and the code executor, the Slack sandbox, a model.

Used by the end-to-end tests (a session fixture), by `nox -s dev` and by the benchmarks, so
all three exercise the same wiring: Slack sandbox -> ingress -> Pub/Sub push -> files /
responder -> Slack sandbox.

    with LocalStack.start(StackOptions(log_dir=Path("build/logs"))) as stack:
        print(stack.sandbox_url)
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
from pathlib import Path

from assistant.topics import TOPICS
from devstack.emulators import start_firestore, start_pubsub, start_storage
from devstack.executor_runtime import ensure_runtime
from devstack.knowledge import KnowledgeLoader
from devstack.processes import ManagedProcess, free_port, wait_for_http
from devstack.pubsub_wiring import wire_topics
from devstack.routine_ticker import RoutineTicker
from devstack.settings_file import LocalSettingsObject
from devstack.trace import LogTailer
from devstack.web_search_stand_in import PATH as WEB_SEARCH_PATH

__all__ = ["REPO_ROOT", "LocalStack", "StackOptions", "launch_function"]

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ("ingress", "responder", "files", "indexer")
WEB_SEARCH_KEY = "local-search-key"  # what the stand-in accepts (no real key runs locally)


@dataclasses.dataclass(frozen=True, kw_only=True)
class StackOptions:
    log_dir: Path
    project: str = "local-project"
    signing_secret: str = "sandbox-signing-secret"
    bot_token: str = "xoxb-sandbox-bot-token"
    bucket: str = "slack-files"
    knowledge_bucket: str = "knowledge-docs"
    # None: start the deterministic fake model server; otherwise an OpenAI-compatible URL.
    openai_base_url: str | None = None
    openai_api_key: str = "sk-local"
    openai_model: str = "fake-gpt"
    sandbox_data_dir: Path | None = None
    sandbox_fresh: bool = False
    sandbox_port: int | None = None
    slack_retry_delays: str = "0.5,1,2"
    push_min_backoff_seconds: float = 1.0
    push_max_backoff_seconds: float = 10.0
    max_delivery_attempts: int = 5
    function_env: dict[str, str] = dataclasses.field(default_factory=dict)
    # Shown on the workspace page: which model answers and how to switch (default: its name).
    model_note: str = ""
    # Start the code executor (functions/executor) and give the responder its EXECUTOR_URL.
    executor: bool = True
    # Tick the routines topic this often, as Cloud Scheduler does every minute; 0: never.
    routine_tick_seconds: float = 60.0
    # Start the stand-in of Brave's search API (devstack/web_search_stand_in.py) and give the
    # responder its URL and key, so answers are offered `web_search`.
    web_search: bool = False


def launch_function(
    name: str,
    *,
    port: int,
    env: dict[str, str],
    log_dir: Path,
    log_name: str | None = None,
    append_log: bool = False,
    bin_dir: Path | None = None,
    inherit_env: bool = True,
) -> ManagedProcess:
    """One function under functions-framework, importing `assistant` as the deployed zip does
    (from `bin_dir`'s environment: by default this interpreter's)."""
    process = ManagedProcess(
        log_name or name,
        [
            str((bin_dir or Path(sys.executable).parent) / "functions-framework"),
            "--target",
            name,
            "--source",
            str(REPO_ROOT / "functions" / name / "main.py"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env={"PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1", **env},
        log_dir=log_dir,
        cwd=REPO_ROOT / "functions" / name,
        append=append_log,
        inherit_env=inherit_env,
    )
    wait_for_http(f"http://127.0.0.1:{port}", timeout=30, process=process.process)
    return process


class LocalStack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.processes: dict[str, ManagedProcess] = {}
        self.urls: dict[str, str] = {}
        self.env: dict[str, str] = {}
        self.tailer: LogTailer | None = None
        self.routine_ticker: RoutineTicker | None = None
        self.settings_file: LocalSettingsObject | None = None
        self.executor_problem = ""  # why the executor is not running, when it is not

    @classmethod
    @contextlib.contextmanager
    def start(cls, options: StackOptions):
        stack = cls(options)
        try:
            stack._start()
            yield stack
        finally:
            stack.stop()

    # -- addresses -----------------------------------------------------------------------
    @property
    def ingress_url(self) -> str:
        return self.urls["ingress"]

    @property
    def sandbox_url(self) -> str:
        return self.urls["sandbox"]

    @property
    def slack_api_url(self) -> str:
        return self.sandbox_url + "/api/"

    @property
    def openai_base_url(self) -> str:
        return self.urls["openai"]

    # -- lifecycle -----------------------------------------------------------------------
    def _start(self) -> None:
        opts = self.options
        logs = opts.log_dir
        pubsub, pubsub_host = start_pubsub(logs, project=opts.project)
        self.processes["pubsub"] = pubsub
        firestore, firestore_host = start_firestore(logs)
        self.processes["firestore"] = firestore
        storage, storage_host = start_storage(logs, bucket=opts.bucket)
        self.processes["storage"] = storage
        _create_bucket(storage_host, project=opts.project, bucket=opts.knowledge_bucket)
        self.env = {
            "GOOGLE_CLOUD_PROJECT": opts.project,
            "PUBSUB_EMULATOR_HOST": pubsub_host,
            "FIRESTORE_EMULATOR_HOST": firestore_host,
            "STORAGE_EMULATOR_HOST": storage_host,
        }
        self.settings_file = LocalSettingsObject(storage_host=storage_host, project=opts.project)
        self.settings_file.create(REPO_ROOT / "config" / "assistant.yaml")
        if opts.openai_base_url is None:
            self._start_fake_model()
        else:
            self.urls["openai"] = opts.openai_base_url

        if opts.web_search:
            self._start_web_search()
        sandbox_port = opts.sandbox_port or free_port()
        self.urls["sandbox"] = f"http://127.0.0.1:{sandbox_port}"
        if opts.executor:
            self.start_executor()
        for name in FUNCTIONS:
            if (REPO_ROOT / "functions" / name / "main.py").exists():
                self.start_function(name)
        self._start_sandbox(sandbox_port)
        wire_topics(
            project=opts.project,
            pubsub_host=pubsub_host,
            # Which topic pushes to which function, at which path: assistant/topics.py, as
            # Terraform wires them.
            push_endpoints={
                topic: self.urls[topic.function] + topic.path.rstrip("/")
                for topic in TOPICS
                if topic.function in self.urls
            },
            min_backoff=opts.push_min_backoff_seconds,
            max_backoff=opts.push_max_backoff_seconds,
        )
        self._start_tailer()
        self.routine_ticker = RoutineTicker(
            pubsub_host=pubsub_host, project=opts.project, every_seconds=opts.routine_tick_seconds
        ).start()

    # -- the page's "What happened" panel ------------------------------------------------
    def _start_tailer(self) -> None:
        """Follow the functions' logs and post each line about a mention to the sandbox."""
        self.tailer = LogTailer(
            log_dir=self.options.log_dir,
            sources=FUNCTIONS,
            trace_url=f"{self.sandbox_url}/_sandbox/trace",
        ).start()

    def _start_fake_model(self) -> None:
        port = free_port()
        process = ManagedProcess(
            "fake-openai",
            [
                sys.executable,
                "-m",
                "devstack.fake_openai",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            log_dir=self.options.log_dir,
            cwd=REPO_ROOT,
        )
        self.processes["openai"] = process
        wait_for_http(f"http://127.0.0.1:{port}/v1/models", timeout=30, process=process.process)
        self.urls["openai"] = f"http://127.0.0.1:{port}/v1"

    def _start_web_search(self) -> None:
        port = free_port()
        command = [sys.executable, "-m", "devstack.web_search_stand_in", "--port", str(port),
                   "--key", WEB_SEARCH_KEY]  # fmt: skip
        process = ManagedProcess("web-search", command, log_dir=self.options.log_dir,
                                 cwd=REPO_ROOT)  # fmt: skip
        self.processes["web_search"] = process
        wait_for_http(f"http://127.0.0.1:{port}/", timeout=30, process=process.process)
        self.urls["web_search"] = f"http://127.0.0.1:{port}"

    def function_environment(self) -> dict[str, str]:
        opts = self.options
        return {
            **self.env,
            "TIKTOKEN_CACHE_DIR": str(opts.log_dir / "tiktoken-cache"),
            "SLACK_SIGNING_SECRET": opts.signing_secret,
            "SLACK_BOT_TOKEN": opts.bot_token,
            "SLACK_API_URL": self.slack_api_url,
            "OPENAI_API_KEY": opts.openai_api_key,
            "OPENAI_BASE_URL": self.openai_base_url,
            "OPENAI_MODEL": opts.openai_model,
            "FILES_BUCKET": opts.bucket,
            "KNOWLEDGE_BUCKET": opts.knowledge_bucket,
            "MAX_DELIVERY_ATTEMPTS": str(opts.max_delivery_attempts),
            "LOG_PROMPTS": "true",  # the dev page shows what the model was sent
            "SETTINGS_URI": self.settings_file.uri if self.settings_file else "",
            **({"EXECUTOR_URL": self.urls["executor"]} if "executor" in self.urls else {}),
            **self._web_search_env(),
            **opts.function_env,
        }

    def _web_search_env(self) -> dict[str, str]:
        if "web_search" not in self.urls:
            return {}
        return {"WEB_SEARCH_URL": self.urls["web_search"] + WEB_SEARCH_PATH,
                "WEB_SEARCH_API_KEY": WEB_SEARCH_KEY}  # fmt: skip

    def start_executor(self, *, name: str = "executor", path: str | None = None) -> str:
        """The executor under its own runtime (as in its image), with nothing of our
        environment: it holds no secrets. Returns its URL, or "" (and executor_problem)."""
        runtime, problem = ensure_runtime()
        if runtime is None:
            self.executor_problem = problem
            return ""
        url = self.urls.get(name)
        port = int(url.rsplit(":", 1)[1]) if url else free_port()
        self.processes[name] = launch_function(
            "executor",
            port=port,
            env={"PYTHONPATH": str(REPO_ROOT), "PATH": path or os.environ.get("PATH", "")},
            log_dir=self.options.log_dir,
            log_name=name,
            append_log=name in self.processes,
            bin_dir=runtime / "bin",
            inherit_env=False,
        )
        self.urls[name] = f"http://127.0.0.1:{port}"
        return self.urls[name]

    def start_function(self, name: str) -> None:
        """(Re)start one function under functions-framework, on its previous port if any."""
        url = self.urls.get(name)
        port = int(url.rsplit(":", 1)[1]) if url else free_port()
        process = launch_function(
            name,
            port=port,
            env=self.function_environment(),
            log_dir=self.options.log_dir,
            append_log=name in self.processes,
        )
        self.processes[name] = process
        self.urls[name] = f"http://127.0.0.1:{port}"

    def _start_sandbox(self, port: int) -> None:
        opts = self.options
        command = [
            sys.executable,
            "-m",
            "devstack.slack_sandbox",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--events-url",
            self.ingress_url,
            "--interactivity-url",
            self.ingress_url + "/interactivity",
            "--signing-secret",
            opts.signing_secret,
            "--bot-token",
            opts.bot_token,
            "--retry-delays",
            opts.slack_retry_delays,
            "--model-name",
            opts.openai_model,
            "--model-note",
            opts.model_note or self._default_model_note(),
        ]
        if "responder" in self.urls:
            command += ["--routines-tick-url", self.urls["responder"] + "/routines"]
        if opts.sandbox_data_dir is not None:
            command += ["--data-dir", str(opts.sandbox_data_dir)]
        if opts.sandbox_fresh:
            command.append("--fresh")
        process = ManagedProcess("slack-sandbox", command, log_dir=opts.log_dir, cwd=REPO_ROOT)
        self.processes["sandbox"] = process
        wait_for_http(f"{self.sandbox_url}/_sandbox/state", timeout=30, process=process.process)

    def _default_model_note(self) -> str:
        if self.options.openai_base_url is None:
            return "the deterministic fake model (it echoes your question)"
        return f"{self.options.openai_model} at {self.openai_base_url}"

    def stop(self) -> None:
        if self.tailer is not None:
            self.tailer.stop()
        if self.routine_ticker is not None:
            self.routine_ticker.stop()
        processes = list(reversed(self.processes.values()))
        for process in processes:  # all at once: stopping takes as long as the slowest
            process.terminate()
        for process in processes:
            process.stop()

    def knowledge(self) -> KnowledgeLoader:
        """Uploads into the knowledge bucket that notify the indexer as Cloud Storage would."""
        with _emulators(self.env):
            return KnowledgeLoader(
                project=self.options.project, bucket=self.options.knowledge_bucket
            )

    def logs(self) -> str:
        return "\n".join(
            f"--- {name} ---\n{process.tail()}" for name, process in self.processes.items()
        )


@contextlib.contextmanager
def _emulators(env: dict[str, str]):
    """The emulator variables set while clients are built (they read them when created)."""
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _create_bucket(storage_host: str, *, project: str, bucket: str) -> None:
    from google.cloud import storage  # imported here: only the stack's start pays for it

    with _emulators({"STORAGE_EMULATOR_HOST": storage_host}):
        client = storage.Client(project=project)
        if client.lookup_bucket(bucket) is None:
            client.create_bucket(bucket)
