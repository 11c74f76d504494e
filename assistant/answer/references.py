"""The documents side of one answer: the passages sent with the question, and search_docs.

Gathered while the prompt is assembled. When the plan's document sets hold documents, the
system prompt gains the rules for reference material, the best passages for a standalone
query go in as one "passages" part within their share of the budget, and the model may
search again with the search_docs tool. Every passage it sees is numbered in one
`PassageBook`, which the answer's citations are resolved against. A failed search (the
embeddings API or Firestore unavailable) is logged and the question answered without
documents, as it would be with none indexed.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from assistant.answer.plan import AnswerPlan
from assistant.conversation.prompt import PromptPart
from assistant.conversation.turns import StoredTurn
from assistant.llm.messages import Message, content_text
from assistant.llm.tokens import count_message, count_text
from assistant.llm.tools import Tool, ToolRound
from assistant.retrieval.passages import (
    PASSAGES_INTRO,
    REFERENCE_RULES,
    PassageBook,
    render_passages,
)
from assistant.retrieval.search import TOOL_NAME, DocumentSearch, standalone_query

__all__ = ["References", "gather_references", "references_rules"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class References:
    book: PassageBook = dataclasses.field(default_factory=PassageBook)
    passages: PromptPart | None = None
    search: Tool | None = None  # search_docs over `sets`; None: no documents for this answer
    sets: tuple[str, ...] = ()  # the sets searched (with documents, allowed by the plan)

    def resume(self, done_rounds: Sequence[ToolRound]) -> None:
        """Number the passages of search_docs rounds recorded by an earlier attempt."""
        results = []
        for done in done_rounds:
            searches = {call.id for call in done.request.tool_calls if call.name == TOOL_NAME}
            results += [r.text for r in done.results if r.tool_call_id in searches]
        self.book.absorb(results)


def usable_sets(search: DocumentSearch, plan: AnswerPlan) -> tuple[str, ...]:
    if plan.document_sets == ():
        return ()
    try:
        return tuple(count.name for count in search.usable_sets(plan.document_sets))
    except Exception:
        logger.warning("document sets unavailable; answering without documents", exc_info=True)
        return ()


def references_rules(persona: str, sets: Sequence[str]) -> str:
    return f"{persona}\n\n{REFERENCE_RULES}" if sets else persona


def gather_references(
    search: DocumentSearch,
    plan: AnswerPlan,
    *,
    sets: Sequence[str],
    question: str,
    earlier_newest_first: Sequence[StoredTurn],
    room: int,
) -> References:
    book = PassageBook()
    if not sets:
        return References(book)

    def count(text: str) -> int:
        return count_text(text, plan.spec)

    tool = search.tool(sets=sets, book=book, count=count)
    earlier_questions = [
        content_text(turn.content) for turn in earlier_newest_first if turn.role == "user"
    ]
    share = min(int(plan.input_budget * search.limits.token_share), plan.spec.max_passage_tokens)
    try:
        found = search.find(
            standalone_query(question, earlier_questions),
            sets=sets,
            book=book,
            max_tokens=max(0, min(share, room)),
            max_passages=search.limits.max_passages,
            count=count,
        )
    except Exception:
        logger.warning("retrieval failed; answering without documents", exc_info=True)
        return References(book, None, tool, tuple(sets))
    if not found.sent:
        return References(book, None, tool, tuple(sets))
    message = Message.user(f"{PASSAGES_INTRO}\n\n{render_passages(found.sent)}")
    part = PromptPart("passages", message, count_message(message, plan.spec))
    return References(book, part, tool, tuple(sets))
