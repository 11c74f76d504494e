"""`nox -s bench`: run every benchmark and print the figures as tables.

`python -m bench NAME [ARGS]` (`nox -s bench -- NAME`) runs one module that has a `main`:
`relevance`, `bfcl` (its sample size as ARGS).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench import (
    bfcl,
    day_in_the_life,
    executor,
    history_trim,
    import_time,
    ingress_latency,
    local_model,
    mcp_calls,
    relevance,
    result_memory,
    retrieval,
    routines,
    slack_calls,
    thread_context,
    usage_overhead,
    web_reads,
)
from devstack.processes import interrupt_on_sigterm


def _table(title: str, rows: list[dict]) -> str:
    headers = list(rows[0])
    cells = [[_fmt(row[h]) for h in headers] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    out = [f"\n{title}", line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    return "\n".join(out + [line(c) for c in cells])


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}" if value >= 10 else f"{value:.3f}"
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return str(value)


ALONE = {"relevance": relevance.main, "bfcl": bfcl.main}


def main(argv: list[str]) -> int:
    interrupt_on_sigterm()  # a killed run still stops the servers and emulators it started
    if argv:
        return ALONE[argv[0]](argv[1:])
    log_dir = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    print(_table("Fresh-process import time (median of 5)", import_time.run()))
    rows, ratios = ingress_latency.run(log_dir)
    print(
        _table(
            "Ingress ack latency against a Bolt for Python baseline "
            "(signed requests, publishing to the emulator, under functions-framework)",
            rows,
        )
    )
    print("\n".join(ratios))
    print(
        _table(
            "History load + trim per turn (gpt-4o-mini budget, 40/350-token question/answer)",
            history_trim.run(log_dir),
        )
    )
    print(_table("Local models through the tool shim (2 threads)", local_model.run(log_dir)))
    print(
        _table(
            "Settings, budget check and ledger write per mention (200 mentions; 1, 10 at a time)",
            usage_overhead.run(log_dir),
        )
    )
    print(
        _table(
            "read_url per page (median of 30, loopback page server): SSRF-checked fetch against "
            "a plain GET, then the page as text",
            web_reads.run(),
        )
    )
    context, summaries = thread_context.run(log_dir)
    print(
        _table(
            "Knowing the thread: one turn's prompt build, threads of people's messages "
            "(first mention, then the next after one more message)",
            context,
        )
    )
    print(
        _table(
            "Rolling summary cost per turn as a conversation grows (4,000-token prompt cap)",
            summaries,
        )
    )
    per_answer, concurrent = slack_calls.run()
    print(_table("Slack Web API calls per answer, native stream vs chat.update", per_answer))
    print(
        _table(
            "Calls a minute per method, 10 answers of 1,500 tokens streaming at once",
            concurrent,
        )
    )
    print(
        _table(
            "Channel mention to the first visible status and the first answer text "
            "(whole local stack, deterministic model)",
            [slack_calls.first_visible(log_dir)],
        )
    )
    print(_table("MCP tool call latency (mcp-server-time on loopback, 30 calls)", mcp_calls.run()))
    throughput, searches, quality = retrieval.run(log_dir)
    print(_table("Indexing throughput (fake embeddings, Firestore emulator)", [throughput]))
    print(_table("Retrieval: search latency and Firestore reads per question", searches))
    print(_table("Recall@5 over bench/retrieval_questions.json (this repo's docs)", quality))
    judged = relevance.run(log_dir)
    print(
        _table(
            "Passages only when relevant: bench/relevance_questions.json over docs/ (e5)",
            [
                {k: v for k, v in row.items() if k not in ("missed", "attached to")}
                for row in judged
            ],
        )
    )
    for row in judged:
        for key in ("missed", "attached to"):
            print(f"{row['decision']}, {key}: {_fmt(row.get(key, []))}")
    print(
        _table(
            "Code execution: one whole run in the sandbox vs a plain process (same interpreter)",
            executor.overhead(),
        )
    )
    print(
        _table(
            "Mention with a CSV to the chart in the thread (deterministic model, whole stack)",
            [executor.mention_to_chart(log_dir)],
        )
    )
    print(
        _table(
            "Responder memory: eight maximal code results (20 MB each) at once, "
            "stored and posted (limit 512 MiB)",
            [result_memory.run(log_dir / "result-memory")],
        )
    )
    print(
        _table(
            "A day in the life: realistic requests through the whole local stack with the "
            "default local model, each checked against its expected facts (seconds)",
            day_in_the_life.run(log_dir / "day"),
        )
    )
    print(
        _table(
            "One routine run: 1,000 messages in the window (900 posts, 20 threads of 5 replies), "
            "deterministic model; with the default prompt cap, then one that forces map-reduce",
            routines.run(log_dir),
        )
    )
    bfcl.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
