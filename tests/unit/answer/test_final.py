"""Which addresses count as read: what others wrote and the sources, never the model's own."""

from __future__ import annotations

from assistant.answer.final import urls_read
from assistant.conversation.prompt import Prompt, PromptAccount, PromptPart
from assistant.llm.messages import Message
from assistant.retrieval.passages import Passage, PassageBook


def test_the_model_s_own_words_and_summary_make_no_address_known():
    parts = (
        PromptPart("system", Message.system("Be brief."), 1),
        PromptPart("summary", Message.user("Summary: see https://summary.example"), 1),
        PromptPart("earlier", Message.user("Bob: https://bob.example/doc"), 1),
        PromptPart("earlier", Message.assistant("Try https://made-up.example"), 1),
        PromptPart("tool", Message.tool_result("call1", '{"url": "https://tool.example/r"}'), 1),
        PromptPart("question", Message.user("and now?"), 1),
    )
    book = PassageBook()
    source = Passage(chunk_id="c1", document="d", generation=1, set="s", title="t",
                     url="https://hr.example/leave", heading=(), text="x", distance=0)  # fmt: skip
    book.add([source])
    prompt = Prompt(parts, PromptAccount(100, 6, 0, 0, ()))
    assert urls_read(prompt, book) == {
        "https://bob.example/doc",
        "https://tool.example/r",
        "https://hr.example/leave",
    }
