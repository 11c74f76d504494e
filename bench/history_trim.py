"""Time per turn spent loading and trimming history, for threads of growing length.

Threads are written through the same HistoryStore the responder uses, then a prompt is built
for one more question by the responder's own PromptBuilder (`build_responder`, bench/responders.py):
that is the responder's per-turn history cost (Firestore reads + trim). No rolling summary and no
documents: this measures loading and trimming alone.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from google.cloud import firestore

from assistant.answer.plan import PlanDefaults, plan_answer
from assistant.conversation.history import HistoryStore
from assistant.conversation.turns import StoredTurn
from assistant.llm.tokens import count_content
from assistant.mention import Mention
from bench.responders import BenchResponder
from devstack.emulators import start_firestore

# The model's whole window (no channel cap); turns that fall out are left out, not summarised.
PLAN = plan_answer(PlanDefaults(model="gpt-4o-mini", summary_max_tokens=0), document_sets=())
SPEC, BUDGET = PLAN.spec, PLAN.input_budget
# A question is a sentence or two; an answer a few paragraphs.
SENTENCE = "The quick brown fox jumps over the lazy dog while the team discusses Pub/Sub. "
QUESTION = SENTENCE * 2
ANSWER = SENTENCE * 20


def _seed(store: HistoryStore, thread_key: str, messages: int) -> None:
    turns = []
    for n in range(messages):
        role = "user" if n % 2 == 0 else "assistant"
        text = f"turn {n}: " + (QUESTION if role == "user" else ANSWER)
        turns.append(
            StoredTurn(
                order=f"1000000000.{n:06d}:0",
                role=role,
                content=text,
                tokens=count_content(text, SPEC),
                encoding=SPEC.count_key,
            )
        )
    for start in range(0, len(turns), 200):
        store.append(thread_key, turns[start : start + 200], keep_tokens=BUDGET)


def run(log_dir: Path, sizes: tuple[int, ...] = (10, 1_000, 10_000), repeats: int = 20) -> list:
    process, host = start_firestore(log_dir)
    previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
    os.environ["FIRESTORE_EMULATOR_HOST"] = host
    rows = []
    try:
        db = firestore.Client(project="bench-project")
        for size in sizes:
            thread_ts = f"{size}.000000"  # a Slack timestamp, as Mention requires
            thread_key = f"T0BENCH:C0BENCH:{thread_ts}"
            _seed(HistoryStore(db), thread_key, size)
            mention = Mention(
                event_id="EvBENCH",
                team_id="T0BENCH",
                channel="C0BENCH",
                user="U0ALICE",
                text="<@U0BOT> and so?",
                ts="1999999999.000001",
                thread_ts=thread_ts,
            )
            samples, reads, sent = [], 0, 0
            for _ in range(repeats):
                wired = BenchResponder(db, openai_model=PLAN.model)  # fresh counters each time
                builder, store = wired.prompts, wired.history
                start = time.perf_counter()
                prompt = builder.build(mention, PLAN).prompt()
                samples.append(time.perf_counter() - start)
                reads, sent = store.reads, len(prompt.parts) - 2
            rows.append(
                {
                    "messages": size,
                    "median_ms": 1000 * statistics.median(samples),
                    "firestore_reads": reads,
                    "turns_sent": sent,
                    "prompt_tokens": prompt.tokens,
                }
            )
    finally:
        if previous is None:
            os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
        else:
            os.environ["FIRESTORE_EMULATOR_HOST"] = previous
        process.stop()
    return rows
