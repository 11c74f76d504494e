"""`nox -s dev`: the whole bot on this machine, with a Slack workspace to talk to it in.

Starts the emulators, the three functions, the Slack sandbox and a model (OpenAI when
OPENAI_API_KEY is set; otherwise SmolLM2 on loopback; the deterministic fake only when
that cannot run), prints where to go, and stops everything on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import signal
import socket
import sys
import threading
from pathlib import Path

from devstack.local_model import (
    CONTEXT_TOKENS,
    LOCAL_MODEL_NAME,
    local_model_available,
    start_local_model,
)
from devstack.processes import interrupt_on_sigint
from devstack.stack import REPO_ROOT, LocalStack, StackOptions

# DEVSTACK_STATE_DIR: somewhere else, e.g. for a test that must not touch your workspace.
STATE_DIR = Path(os.environ.get("DEVSTACK_STATE_DIR") or REPO_ROOT / ".devstack")
DEFAULT_PORT = 8700


def main(argv: list[str] | None = None) -> int:
    interrupt_on_sigint()  # also when started without a terminal (an IDE, a supervisor)
    parser = argparse.ArgumentParser(prog="nox -s dev --", description=__doc__)
    parser.add_argument("--fresh", action="store_true", help="start with an empty workspace")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the Slack sandbox's port")
    args = parser.parse_args(argv)

    STATE_DIR.mkdir(exist_ok=True)
    lock = (STATE_DIR / "dev.lock").open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        print(f"nox -s dev is already running: {lock.read().strip()}. Use that one, or stop it.")
        return 1
    lock.seek(0)
    lock.truncate()
    lock.write(f"pid {os.getpid()}, still starting")
    lock.flush()
    if not _port_free(args.port):
        print(f"Port {args.port} is busy; pass another with `nox -s dev -- --port N`.")
        return 1

    log_dir = STATE_DIR / "logs"
    model_env, model_note, extra = _choose_model(log_dir)
    options = StackOptions(
        log_dir=log_dir,
        sandbox_data_dir=STATE_DIR / "workspace",
        sandbox_fresh=args.fresh,
        sandbox_port=args.port,
        slack_retry_delays="0,60,300",  # what Slack does
        model_note=model_note,
        **model_env,
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    print("Starting emulators, functions, Slack sandbox and model…", flush=True)
    try:
        with LocalStack.start(options) as stack:
            url = stack.sandbox_url
            lock.seek(0)
            lock.truncate()
            lock.write(f"pid {os.getpid()}, open {url}")
            lock.flush()
            _print_banner(stack, model_note)
            with contextlib.suppress(KeyboardInterrupt):
                stopping.wait()
            # A second Ctrl-C must not cut the shutdown short and leave emulators running.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            print("\nStopping everything…", flush=True)
    finally:
        for process in extra:
            process.stop()
    print("Stopped everything nox -s dev started.")
    return 0


def _choose_model(log_dir: Path) -> tuple[dict, str, list]:
    if os.environ.get("OPENAI_API_KEY"):
        model = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
        base = os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1")
        env = {
            "openai_base_url": base,
            "openai_api_key": os.environ["OPENAI_API_KEY"],
            "openai_model": model,
        }
        return env, f"OpenAI `{model}` (OPENAI_API_KEY is set)", []
    # The nox session says why it could not install llama-cpp-python, when it could not.
    missing = os.environ.get("DEVSTACK_LOCAL_MODEL_PROBLEM") or local_model_available()
    if missing is None:
        try:
            process, base = start_local_model(log_dir)
        except (RuntimeError, TimeoutError) as error:
            missing = f"its server did not start ({error}; see {log_dir}/local-model.log)"
    if missing is None:
        env = {
            "openai_base_url": base,
            "openai_model": LOCAL_MODEL_NAME,
            "function_env": {
                "MODEL_CONTEXT_TOKENS": str(CONTEXT_TOKENS),
                "RESERVED_OUTPUT_TOKENS": "512",
                "OPENAI_TIMEOUT_SECONDS": "120",
            },
        }
        note = (
            f"{LOCAL_MODEL_NAME} running locally (a 135M-parameter toy: expect weak "
            "answers). For real answers: OPENAI_API_KEY=sk-... nox -s dev"
        )
        return env, note, [process]
    note = (
        f"the deterministic fake model (it echoes your question) because the local model "
        f"cannot run here: {missing}. For real answers: OPENAI_API_KEY=sk-... nox -s dev"
    )
    return {}, note, []


def _print_banner(stack: LocalStack, model_note: str) -> None:
    url = stack.sandbox_url
    print(
        f"""
The Slack assistant is running locally.

  Open the workspace:   {url}/
  Or from a terminal:   python -m devstack.say "what is a Pub/Sub ordering key?" --sandbox {url}

  Model:      {model_note}
  Ingress:    {stack.ingress_url}   (Slack events are signed and sent here)
  Logs:       {stack.options.log_dir}/
  Workspace:  {stack.options.sandbox_data_dir}/ (kept between runs; `nox -s dev -- --fresh`)

Press Ctrl-C to stop everything.
""",
        flush=True,
    )


def _port_free(port: int) -> bool:
    with contextlib.closing(socket.socket()) as sock:
        # As the sandbox's server does: connections of a run just stopped (TIME_WAIT) are no
        # obstacle, only a listening socket is.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


if __name__ == "__main__":
    sys.exit(main())
