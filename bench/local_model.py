"""The local models: first token, generation speed, and how often the tool shim picks the tool a
question needs (the prompt set is bench/tool_prompts.json).

Measured through the tool shim, as the bot reaches the model. Each model runs alone on the
machine's two cores; a model that is not installed or assembled is reported as such.

    python -m bench.local_model
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import openai

from devstack.local_model import QWEN, SMOLLM2, LocalModel, local_model_available
from devstack.local_model import start_local_model as _start

PROMPTS = Path(__file__).with_name("tool_prompts.json")
QUESTION = "What is a Pub/Sub ordering key? Answer in two sentences."
ANSWER_TOKENS = 96


def _client(model: LocalModel) -> openai.OpenAI:
    return openai.OpenAI(base_url=model.base_url, api_key="sk-local", timeout=300, max_retries=0)


def speed(model: LocalModel, runs: int = 3) -> dict:
    """Median first-token time and decode rate of a streamed answer to a short question."""
    client = _client(model)
    firsts, rates = [], []
    for run in range(runs):
        start = time.perf_counter()
        first = last = None
        tokens = 0
        stream = client.chat.completions.create(
            model=model.spec.name,
            # Different each run: llama.cpp would otherwise answer from its prompt cache.
            messages=[{"role": "user", "content": f"Question {run + 1}. {QUESTION}"}],
            stream=True,
            stream_options={"include_usage": True},
            max_tokens=ANSWER_TOKENS,
            temperature=0,
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                first = first or time.perf_counter()
                last = time.perf_counter()
            if chunk.usage:
                tokens = chunk.usage.completion_tokens
        if first is None or last is None or tokens < 2:
            continue
        firsts.append(first - start)
        rates.append((tokens - 1) / (last - first))  # the first token is prompt time's
    return {
        "first_token_s": statistics.median(firsts),
        "tokens_per_s": statistics.median(rates),
    }


def routing(model: LocalModel, prompts_file: Path = PROMPTS) -> dict:
    """Share of the prompt set where the model, via the shim, picks the expected tool or none."""
    spec = json.loads(prompts_file.read_text())
    client = _client(model)
    right, seconds, wrong = 0, [], []
    for case in spec["prompts"]:
        start = time.perf_counter()
        answer = client.chat.completions.create(
            model=model.spec.name,
            messages=[
                {"role": "system", "content": "You are a helpful assistant in a Slack workspace."},
                {"role": "user", "content": case["prompt"]},
            ],
            tools=spec["tools"],
            max_tokens=48,  # a text answer ("none") need not run long to count
        )
        seconds.append(time.perf_counter() - start)
        calls = answer.choices[0].message.tool_calls or []
        picked = calls[0].function.name if calls else "none"
        if picked == case["expect"]:
            right += 1
        else:
            wrong.append(f"{case['prompt'][:24]}…: {picked}")
    return {
        "tool_right": f"{right}/{len(spec['prompts'])}",
        "tool_right_pct": 100.0 * right / len(spec["prompts"]),
        "s_per_prompt": statistics.median(seconds),
        "misses": wrong,
    }


def run(log_dir: Path) -> list[dict]:
    rows = []
    for spec in (QWEN, SMOLLM2):
        if (missing := local_model_available(spec)) is not None:
            columns = ("load_s", "first_token_s", "tokens_per_s", "tool_right", "tool_right_pct")
            not_run = {"s_per_prompt": "-", "misses": [f"not run: {missing}"]}
            rows.append({"model": spec.name, **dict.fromkeys(columns, "-"), **not_run})
            continue
        start = time.perf_counter()
        model = _start(log_dir / spec.name, spec)
        loaded = time.perf_counter() - start
        try:
            rows.append({"model": spec.name, "load_s": loaded, **speed(model), **routing(model)})
        finally:
            model.stop()
    return rows


if __name__ == "__main__":
    import tempfile

    from bench.__main__ import _table

    log_dir = Path(tempfile.mkdtemp(prefix="bench-local-model-"))
    print(_table("Local models through the tool shim (2 threads)", run(log_dir)))
    sys.exit(0)
