import sys
from pathlib import Path

import pytest

# The repository root holds the `devstack` package; no packaging config exists yet.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sandbox_harness import (  # noqa: E402
    SECRET,
    TOKEN,
    LoopThread,
    Receiver,
    RunningSandbox,
    serve,
)

from devstack.slack_sandbox import SandboxConfig  # noqa: E402


@pytest.fixture(scope="session")
def loop_thread():
    loop = LoopThread()
    yield loop
    loop.stop()


@pytest.fixture
def receiver(loop_thread):
    receiver = Receiver()
    runner, port = loop_thread.run(serve(receiver.app()))
    receiver.url = f"http://127.0.0.1:{port}/slack/events"
    yield receiver
    loop_thread.run(runner.cleanup())


@pytest.fixture
def make_sandbox(loop_thread, receiver):
    """Start a sandbox delivering to `receiver`; keyword arguments override config."""
    started = []

    def make(**overrides) -> RunningSandbox:
        settings = {
            "signing_secret": SECRET,
            "bot_token": TOKEN,
            "events_url": receiver.url,
            "retry_delays": (0.05, 0.1, 0.15),
            "ack_timeout": 0.5,
            **overrides,
        }
        sandbox = RunningSandbox(loop_thread, SandboxConfig(**settings))
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.close()


@pytest.fixture
def sandbox(make_sandbox):
    return make_sandbox()
