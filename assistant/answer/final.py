"""What the person reads under "deliver", and what history keeps of it (pure).

The model's words with their sources resolved, the notes about files that were cut or
unreadable, and the budget note when a limit is 80 % used after this answer's own cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from assistant.answer.plan import AnswerPlan
from assistant.conversation.prompt import Prompt
from assistant.conversation.turns import StoredTurn, turn_order
from assistant.files.context import notes_text
from assistant.llm.messages import content_text
from assistant.llm.tokens import count_content
from assistant.mention import Mention
from assistant.retrieval.citations import with_sources
from assistant.retrieval.passages import PassageBook
from assistant.slack.neutralise import urls_in
from assistant.usage.notices import near_limit_note
from assistant.usage.policy import Spent, near_limits

__all__ = ["EMPTY_ANSWER", "answer_text", "answer_turn", "slack_sources_text", "urls_read"]

EMPTY_ANSWER = "_The model returned an empty answer._"


def answer_text(
    model_text: str,
    *,
    question: str = "",
    book: PassageBook,
    notes: Sequence[str],
    plan: AnswerPlan,
    spent: Spent,
    now: datetime,
    slack_sources: Sequence[str] = (),
) -> str:
    """`spent` includes this answer's cost, so the note tells what asking again would meet."""
    cited = with_sources(model_text.strip(), book, question)
    text = (cited or EMPTY_ANSWER) + slack_sources_text(slack_sources) + notes_text(notes)
    return text + near_limit_note(near_limits(plan.channel.budgets, spent, now))


def slack_sources_text(sources: Sequence[str]) -> str:
    """The Slack messages the answer drew on (their permalinks), under it.

    >>> print(slack_sources_text(["https://acme.slack.com/archives/C1/p1712345678000200"]))
    <BLANKLINE>
    <BLANKLINE>
    *Slack sources*
    https://acme.slack.com/archives/C1/p1712345678000200
    """
    if not sources:
        return ""
    return "\n\n*Slack sources*\n" + "\n".join(dict.fromkeys(sources))


def answer_turn(mention: Mention, plan: AnswerPlan, text: str) -> StoredTurn:
    """The answer as the thread's history stores it, counted for the plan's model."""
    return StoredTurn(
        order=turn_order(mention, 1),
        role="assistant",
        content=text,
        tokens=count_content(text, plan.spec),
        encoding=plan.spec.count_key,
        event_id=mention.event_id,
    )


def urls_read(prompt: Prompt, book: PassageBook) -> frozenset[str]:
    """The web addresses the model was shown by others: the thread's messages and files, the
    sources, the tool results. Never its own words (earlier answers, the summary it wrote, the
    arguments of its tool calls): a link it once made up must not become known by repetition."""
    shown = (
        content_text(part.message.content)
        for part in prompt.parts
        if part.kind != "summary" and part.message.role != "assistant"
    )
    sources = (book.get(number) for number in range(1, len(book) + 1))
    urls = {url for text in shown for url in urls_in(text)}
    return frozenset(urls | {passage.url for passage in sources if passage and passage.url})
