"""The responder's "assemble" step: gather one mention's prompt parts, then assemble them.

The I/O happens first and only here: the question's files are loaded and planned within the
room the budget leaves, the thread's earlier turns are paged in only as far as that budget
reaches, and the earlier turns that carry files are rebuilt; when the plan may use documents,
the passages for the question are retrieved (`references.py`). Then the pure assembler
(`conversation/prompt.py`) decides what is sent. During a tool loop the same parts are assembled
again with each round's tool calls and results, which then crowd out the oldest turns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from assistant.answer.plan import AnswerPlan
from assistant.answer.references import (
    References,
    gather_references,
    references_rules,
    usable_sets,
)
from assistant.conversation.budget import fit_text, room_for_question, take_within
from assistant.conversation.history import HistoryStore
from assistant.conversation.prompt import Prompt, PromptPart, assemble_prompt
from assistant.conversation.turns import StoredTurn, turn_order
from assistant.files.loader import ThreadFiles
from assistant.llm.loop import Tool, ToolRound
from assistant.llm.messages import Message
from assistant.llm.tokens import count_content, count_message
from assistant.mention import Mention
from assistant.retrieval.search import DocumentSearch

__all__ = ["Assembly", "PromptBuilder"]


@dataclasses.dataclass(frozen=True)
class Assembly:
    system: PromptPart
    question: PromptPart
    earlier_newest_first: tuple[PromptPart, ...]
    question_turn: StoredTurn  # the question as it is saved in the thread's history
    notes: tuple[str, ...]  # for the person, after the answer (files cut or unreadable)
    plan: AnswerPlan
    references: References = dataclasses.field(default_factory=References)

    @property
    def tools(self) -> tuple[Tool, ...]:
        return (*self.plan.tools, *self.references.tools)

    def prompt(self, rounds: Sequence[ToolRound] = ()) -> Prompt:
        tool_parts = [
            PromptPart("tool", message, count_message(message, self.plan.spec))
            for done in rounds
            for message in done.messages
        ]
        return assemble_prompt(
            system=self.system,
            question=self.question,
            earlier_newest_first=self.earlier_newest_first,
            budget=self.plan.input_budget,
            passages=[self.references.passages] if self.references.passages else (),
            tool_rounds=tool_parts,
        )


class PromptBuilder:
    def __init__(
        self, *, history: HistoryStore, files: ThreadFiles, search: DocumentSearch | None = None
    ) -> None:
        self._history = history
        self._files = files
        self._search = search

    def build(self, mention: Mention, plan: AnswerPlan) -> Assembly:
        spec = plan.spec
        sets = usable_sets(self._search, plan)
        system = _part("system", Message.system(references_rules(plan.persona, sets)), plan)
        room = room_for_question(plan.input_budget, system.tokens)
        files = self._files.user_turn(
            mention, spec=spec, room=room, max_file_tokens=plan.max_file_tokens
        )
        if files is not None:
            question = PromptPart("question", Message.user(files.content), files.tokens)
            stored_content, refs, notes = mention.question, files.refs, files.notes
        else:
            text, tokens = fit_text(mention.question, room, spec)
            question = PromptPart("question", Message.user(text), tokens)
            stored_content, refs, notes = text, (), ()
        question_turn = StoredTurn(
            order=turn_order(mention, 0),
            role="user",
            content=stored_content,
            tokens=question.tokens,
            encoding=spec.count_key,
            event_id=mention.event_id,
            file_refs=refs,
        )
        newest_first = self._history.newest_first(mention.thread_key, before=question_turn.order)
        earlier = take_within(newest_first, room - question.tokens)
        references = References()
        if self._search is not None and sets:
            references = gather_references(
                self._search,
                plan,
                sets=sets,
                question=mention.question,
                earlier_newest_first=earlier,
                room=room - question.tokens,
            )
        return Assembly(
            system=system,
            question=question,
            earlier_newest_first=tuple(self._as_part(turn, mention, plan) for turn in earlier),
            question_turn=question_turn,
            notes=notes,
            plan=plan,
            references=references,
        )

    def _as_part(self, turn: StoredTurn, mention: Mention, plan: AnswerPlan) -> PromptPart:
        content = self._files.expand(turn, mention, spec=plan.spec)
        # A count made with another encoding (the model was changed) is redone, not trusted.
        same = turn.encoding == plan.spec.count_key
        tokens = turn.tokens if same else count_content(content, plan.spec)
        return PromptPart("earlier", Message(turn.role, content), tokens)  # type: ignore[arg-type]


def _part(kind: str, message: Message, plan: AnswerPlan) -> PromptPart:
    return PromptPart(kind, message, count_message(message, plan.spec))  # type: ignore[arg-type]
