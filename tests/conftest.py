"""One local stack per test session, shared by the end-to-end and browser tests: real emulators,
real functions, the Slack sandbox (with its workspace page) and the deterministic model server.
Nothing starts unless a test asks for one of these fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from google.cloud import firestore

from devstack.fake_openai import create_app as create_fake_openai
from devstack.slack_sandbox import SandboxConfig
from devstack.slack_sandbox import create_app as create_sandbox
from devstack.stack import REPO_ROOT, LocalStack, StackOptions
from tests.e2e.harness import Claims, Model, Sandbox
from tests.servers import LoopThread, serve

pytest_plugins = ["tests.sigterm"]

# Short timings so failure paths finish quickly; production defaults are in assistant/config.py.
TEST_FUNCTION_ENV = {
    "OPENAI_TIMEOUT_SECONDS": "2",
    "OPENAI_MAX_RETRIES": "2",
    "RESPONSE_TIME_BUDGET_SECONDS": "20",
    "SLACK_UPDATE_INTERVAL_SECONDS": "0.3",
    "SLACK_STREAM_APPEND_SECONDS": "0.3",
    "CLAIM_LEASE_SECONDS": "6",
    # A small file limit, so the "too large" path needs a 2.5 MB upload, not a 20 MB one.
    "MAX_FILE_BYTES": "2000000",
    # Settings file changes show within a second; every test mention comes from the same few
    # people, so the per-person rate limit is off unless a test's settings turn it on.
    "SETTINGS_REFRESH_SECONDS": "0.5",
    "USER_MENTIONS_PER_MINUTE": "0",
    # A poison attachment is stopped after 2 s of CPU (9 s of wall clock), not 15 s.
    "EXTRACT_CPU_SECONDS": "2",
    # The deterministic embeddings' scale (tests/knowledge.py): texts sharing a few words.
    "RETRIEVAL_MAX_DISTANCE": "0.8",
    # An endless loop in model-written code costs this long.
    "EXECUTOR_TIMEOUT_SECONDS": "5",
}


@pytest.fixture(scope="session")
def stack():
    log_dir = REPO_ROOT / "build" / "test-logs"
    options = StackOptions(
        log_dir=Path(log_dir),
        function_env=TEST_FUNCTION_ENV,
        slack_retry_delays="0.3,0.6,1",
        # The emulator redelivers a failed push about once a second and stops after this many
        # attempts: enough to ride out a responder restart on a slow CI machine.
        max_delivery_attempts=8,
        web_search=True,  # the stand-in of Brave's API (tests/e2e/test_web_search.py)
    )
    with LocalStack.start(options) as running:
        saved = {key: os.environ.get(key) for key in running.env}
        os.environ.update(running.env)
        try:
            yield running
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture(scope="session")
def sandbox(stack) -> Sandbox:
    return Sandbox(stack.sandbox_url)


@pytest.fixture(scope="session")
def model(stack) -> Model:
    return Model(stack.openai_base_url)


@pytest.fixture(scope="session")
def db(stack) -> firestore.Client:
    return firestore.Client(project=stack.options.project)


@pytest.fixture(scope="session")
def claims(db) -> Claims:
    return Claims(db)


@pytest.fixture(scope="session")
def servers_loop():
    loop = LoopThread()
    yield loop
    loop.stop()


class InProcessSlack(Sandbox):
    """The Slack sandbox in this process (no events delivered), for the fast tests."""

    bot_token = "xoxb-in-process"

    def __init__(self, loop: LoopThread) -> None:
        config = SandboxConfig(signing_secret="in-process", bot_token=self.bot_token)
        self._loop = loop
        self._runner, port = loop.run(serve(create_sandbox(config)))
        super().__init__(f"http://127.0.0.1:{port}")
        self.api_url = f"{self.base_url}/api/"

    def close(self) -> None:
        self._loop.run(self._runner.cleanup())


class InProcessModel(Model):
    """The deterministic OpenAI-compatible server in this process, for the fast tests."""

    def __init__(self, loop: LoopThread) -> None:
        self._loop = loop
        self._runner, port = loop.run(serve(create_fake_openai()))
        self.base_url = f"http://127.0.0.1:{port}/v1"
        super().__init__(self.base_url)

    def close(self) -> None:
        self._loop.run(self._runner.cleanup())


@pytest.fixture(scope="session")
def local_slack(servers_loop):
    slack = InProcessSlack(servers_loop)
    yield slack
    slack.close()


@pytest.fixture(scope="session")
def local_model(servers_loop):
    model = InProcessModel(servers_loop)
    yield model
    model.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    funcargs = getattr(item, "funcargs", {})
    running = next((v for v in funcargs.values() if isinstance(v, LocalStack)), None)
    if report.failed and running is not None:
        report.sections.append(("local stack logs", running.logs()))
