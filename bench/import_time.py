"""Fresh-process import time of each function module (what a cold start pays before serving)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

from devstack.stack import REPO_ROOT

FUNCTIONS = ("ingress", "responder", "files")
HEAVY = ("openai", "tiktoken", "google.cloud.firestore")
_PROBE = """
import json, sys, time
start = time.perf_counter()
import main
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "loaded": sorted(m for m in %r if m in sys.modules)}))
"""


def measure(name: str, runs: int = 5) -> dict:
    samples, loaded = [], []
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-c", _PROBE % (HEAVY,)],
            cwd=REPO_ROOT / "functions" / name,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            capture_output=True,
            text=True,
            check=True,
        )
        probe = json.loads(result.stdout.strip().splitlines()[-1])
        samples.append(probe["seconds"])
        loaded = probe["loaded"]
    return {"function": name, "median_s": statistics.median(samples), "heavy_modules": loaded}


def run() -> list[dict]:
    return [measure(name) for name in FUNCTIONS if (REPO_ROOT / "functions" / name).is_dir()]
