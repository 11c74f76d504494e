"""Code execution: what isolation costs per run, and how long a chart takes to reach the thread.

`overhead`: the same code in the sandbox (a whole run: run directory, bubblewrap with every
namespace, limits, output collection) and as a plain process of the same interpreter.
`mention_to_chart`: through the whole local stack with the deterministic model: a mention
with a CSV whose model turn calls `run_python`, until the PNG is in the thread.
"""

from __future__ import annotations

import base64
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from devstack.executor_runtime import EXECUTOR_DIR, ensure_runtime
from devstack.stack import LocalStack, StackOptions

CHART_CODE = (
    "import pandas as pd, matplotlib.pyplot as plt\n"
    "df = pd.read_csv('sales.csv')\n"
    "print(df['q2'].sum())\n"
    "df.plot.bar(x='region', y='q2')\n"
    "plt.savefig('chart.png')\n"
)
SALES = b"region,q1,q2\nnorth,10,14\nsouth,8,9\neast,5,11\n"


def _p50_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def overhead(*, runs: int = 15) -> list[dict]:
    venv, problem = ensure_runtime()
    if venv is None:
        raise RuntimeError(f"the executor's runtime could not be built: {problem}")
    sys.path.insert(0, str(EXECUTOR_DIR))
    from runner import Runner, Runtime

    from assistant.executor.protocol import RunRequest

    work_root = Path(tempfile.mkdtemp(prefix="bench-executor-"))
    work_root.chmod(0o711)
    runner = Runner(Runtime(bwrap=shutil.which("bwrap") or "bwrap", venv=venv, work_root=work_root))
    rows = []
    try:
        for code in ("pass", "import pandas, matplotlib"):
            sandboxed, plain = [], []
            for _ in range(runs):
                start = time.perf_counter()
                result = runner.run(RunRequest(run_id=uuid.uuid4().hex, code=code))
                sandboxed.append(time.perf_counter() - start)
                if result.exit_code != 0:
                    raise RuntimeError(f"the sandboxed run failed: {result.stderr[-300:]}")
                start = time.perf_counter()
                subprocess.run([str(venv / "bin" / "python"), "-B", "-c", code], check=True)
                plain.append(time.perf_counter() - start)
            rows.append(
                {
                    "code": code,
                    "runs": runs,
                    "sandboxed_p50_ms": _p50_ms(sandboxed),
                    "plain_p50_ms": _p50_ms(plain),
                    "overhead_ms": _p50_ms(sandboxed) - _p50_ms(plain),
                }
            )
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    return rows


def mention_to_chart(log_dir: Path, *, mentions: int = 5) -> dict:
    options = StackOptions(log_dir=log_dir / "stack", function_env={"LOG_LEVEL": "WARNING"})
    with LocalStack.start(options) as stack:
        if "executor" not in stack.urls:
            raise RuntimeError(f"the executor did not start: {stack.executor_problem}")
        http = requests.Session()
        durations = [_one_chart(http, stack.sandbox_url) for _ in range(mentions + 1)][1:]
    return {
        "mentions": mentions,
        "p50_s": statistics.median(durations),
        "max_s": max(durations),
    }


def _one_chart(http: requests.Session, sandbox: str) -> float:
    directive = f"[[tool:run_python:{json.dumps({'code': CHART_CODE})}]]"
    payload = {
        "channel": "C0GENERAL",
        "user": "U0ALICE",
        "text": f"<@U0BOT> plot q2 #{uuid.uuid4().hex[:8]} {directive}",
        "files": [
            {
                "name": "sales.csv",
                "mimetype": "text/csv",
                "content_base64": base64.b64encode(SALES).decode(),
            }
        ],
    }
    start = time.perf_counter()
    posted = http.post(f"{sandbox}/_sandbox/messages", json=payload, timeout=10).json()
    deadline = start + 120
    while time.perf_counter() < deadline:
        thread = http.get(
            f"{sandbox}/_sandbox/messages",
            params={"channel": "C0GENERAL", "thread_ts": posted["ts"]},
            timeout=10,
        ).json()["messages"]
        files = [f for m in thread if m.get("user") == "U0BOT" for f in m.get("files") or []]
        if any(f.get("name") == "chart.png" for f in files):
            return time.perf_counter() - start
        time.sleep(0.05)
    raise RuntimeError("no chart reached the thread within 120 s")
