"""A thread far over the model's window: only what fits is sent, newest kept, system kept."""

from __future__ import annotations

from assistant.config import DEFAULT_SYSTEM_PROMPT, Settings
from assistant.conversation.history import HistoryStore
from assistant.conversation.summary import SUMMARY_HEADER
from assistant.conversation.turns import StoredTurn
from assistant.llm.messages import content_from_wire
from assistant.llm.models import input_budget, model_spec
from assistant.llm.tokens import count_content
from tests.e2e.harness import unique

SPEC = model_spec("fake-gpt")
# The prompt is capped at MAX_PROMPT_TOKENS below fake-gpt's 128k window.
BUDGET = min(input_budget(SPEC, reserved_output=4096), Settings().max_prompt_tokens)
WORDS = " ".join(f"word{n}" for n in range(300))  # about 600 tokens per turn


def seed_thread(db, thread_key: str, pairs: int, *, read_through: str = "") -> None:
    """Write the thread the way the responder does, turn by turn; Slack's copy of the thread
    counts as read up to `read_through` (the parent, here)."""
    store = HistoryStore(db)
    budget = BUDGET
    turns = []
    for n in range(pairs):
        for index, role in enumerate(("user", "assistant")):
            text = f"{role[0]}{n} {WORDS}"
            turns.append(
                StoredTurn(
                    order=f"1000000000.{n:06d}:{index}",
                    role=role,
                    content=text,
                    tokens=count_content(text, SPEC),
                    encoding=SPEC.count_key,
                )
            )
    for start in range(0, len(turns), 100):
        store.append(
            thread_key, turns[start : start + 100], keep_tokens=budget, read_through=read_through
        )


def test_a_thread_far_over_budget_sends_the_newest_turns_that_fit(sandbox, claims, model, db):
    parent = sandbox.post(unique("a long discussion starts here"))
    thread_key = f"T0SANDBOX:C0GENERAL:{parent['ts']}"
    # ~190k tokens, well over fake-gpt's 128k window
    seed_thread(db, thread_key, pairs=160, read_through=parent["ts"])
    question = unique("so what was the conclusion?")

    posted = sandbox.mention(question, thread_ts=parent["ts"])
    claims.wait_final(posted["event_id"], timeout=60)

    [request] = model.requests(question)
    messages = request["body"]["messages"]
    assert messages[0]["role"] == "system"
    assert messages[0]["content"].startswith(DEFAULT_SYSTEM_PROMPT)
    assert messages[-1]["content"] == question
    # What fell out of the prompt is summarised (its oldest part first: a few calls a turn).
    assert messages[1]["role"] == "user"  # framed data, not an instruction (issue 24)
    assert messages[1]["content"].startswith(SUMMARY_HEADER)
    history = messages[2:-1]
    assert history[-1]["content"].startswith("a159 ")  # the newest turn is kept
    assert history[0]["role"] == "user"
    assert not any(m["content"].startswith("u0 ") for m in history)  # the oldest is not
    sent = sum(count_content(content_from_wire(m["content"]), SPEC) for m in messages)
    assert BUDGET - 2 * 700 < sent <= BUDGET
