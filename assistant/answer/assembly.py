"""The responder's "assemble" step: gather one mention's prompt parts, then assemble them.

The I/O happens first and only here: the question's files are loaded and planned within the
room the budget leaves; the thread's messages that are new since the last turn are read from
Slack and kept as turns (what people said, attributed); the thread's earlier turns are paged
in only as far as the budget reaches, and those that fall out of it are added to the thread's
rolling summary; the earlier turns that carry files are rebuilt; when the plan may use
documents, the passages for the question are retrieved (`references.py`). Then the pure
assembler (`conversation/prompt.py`) decides what is sent. During a tool loop the same parts
are assembled again with each round's tool calls and results, which then crowd out the
oldest turns.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from assistant.answer.linked import Linked
from assistant.answer.pasted_pages import Pasted
from assistant.answer.plan import AnswerPlan
from assistant.answer.references import (
    References,
    gather_references,
    references_rules,
    usable_sets,
)
from assistant.answer.tool_need import computes_over_data, has_data_files
from assistant.conversation.budget import fit_text, room_for_question, select_turns
from assistant.conversation.prompt import Prompt, PromptPart, assemble_prompt
from assistant.conversation.summariser import NO_RESERVATION, Reserve, Summariser
from assistant.conversation.summary import Summary, SummaryLimits
from assistant.conversation.thread_messages import context_turns, others, people_in
from assistant.conversation.thread_state import History, ThreadState
from assistant.conversation.turns import StoredTurn, turn_order
from assistant.files.loader import ThreadFiles
from assistant.llm.messages import Message, content_text
from assistant.llm.rounds import Usage
from assistant.llm.tokens import count_content, count_message
from assistant.llm.tools import ToolRound
from assistant.mention import Mention
from assistant.retrieval.search import DocumentSearch
from assistant.slack.thread_reader import ThreadReader

__all__ = ["Assembly", "PromptBuilder"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Assembly:
    system: PromptPart
    question: PromptPart
    earlier_newest_first: tuple[PromptPart, ...]
    question_turn: StoredTurn  # the question as it is saved in the thread's history
    notes: tuple[str, ...]  # for the person, after the answer (files cut or unreadable)
    plan: AnswerPlan
    references: References = dataclasses.field(default_factory=References)
    summary: PromptPart | None = None  # what fell out of the prompt, summarised
    # The calls that extended the summary for this prompt.
    summary_usage: Usage = dataclasses.field(default_factory=Usage)
    file_names: tuple[str, ...] = ()  # the question's and the prompt's earlier turns' files
    # The Slack messages the question and thread link to (answer/linked.py), with their notes
    # and sources: added by the responder once the thread is read.
    linked: Linked = dataclasses.field(default_factory=Linked)
    # The web pages the question links to (answer/pasted_pages.py), read like its files.
    pasted: Pasted = dataclasses.field(default_factory=Pasted)

    def people_said(self) -> list[str]:
        """The text of people's messages among the earlier turns, newest first (not the bot's
        answers: the links listed under those were read when they were given)."""
        return [
            content_text(part.message.content)
            for part in self.earlier_newest_first
            if part.message.role == "user"
        ]

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
            summary=self.summary,
            passages=[
                *self.linked.parts,
                *self.pasted.parts,
                *([self.references.passages] if self.references.passages else []),
            ],
            tool_rounds=tool_parts,
        )


def read_by_code(mention: Mention, plan: AnswerPlan) -> frozenset[str]:
    """The question's data files a small model's code will read whole (its first round must
    run code: `AnswerTools.first_call`), so the prompt shows only a sample of their rows."""
    names = [ref.name for ref in mention.file_refs]
    if not (plan.spec.tools_by_need and plan.code_execution):
        return frozenset()
    if not computes_over_data(mention.question, names):
        return frozenset()
    return frozenset(name for name in names if has_data_files([name]))


class PromptBuilder:
    def __init__(
        self,
        *,
        history: History,
        files: ThreadFiles,
        search: DocumentSearch,
        thread: ThreadReader,
        summariser: Summariser,
    ) -> None:
        self._history = history
        self._files = files
        self._search = search
        self._thread = thread
        self._summariser = summariser

    def build(
        self, mention: Mention, plan: AnswerPlan, *, reserve: Reserve = NO_RESERVATION
    ) -> Assembly:
        """The mention's prompt parts; `reserve` is asked before each summary call."""
        spec = plan.spec
        sets = usable_sets(self._search, plan)
        system = _part("system", Message.system(references_rules(plan.persona, sets)), plan)
        room = room_for_question(plan.input_budget, system.tokens)
        files = self._files.user_turn(
            mention,
            spec=spec,
            room=room,
            max_file_tokens=plan.max_file_tokens,
            read_by_code=read_by_code(mention, plan),
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
        state = self._history.load(mention.thread_key)
        context = self._read_thread(mention, plan, state)
        summary = _recounted(state.summary, plan)
        newest_first = self._history.newest_first(
            mention.thread_key,
            before=question_turn.order,
            after=summary.through if summary else "",
            state=state,
            extra=context,
        )
        summary_room = _summary_room(plan)
        chosen = select_turns(
            newest_first,
            room=room - question.tokens,
            summary_room=summary_room,
            has_summary=summary is not None,
        )
        earlier = chosen.kept
        usage = Usage()
        if chosen.overflowed and plan.summary.enabled:
            summary, usage = self._extend_summary(
                plan.summary,
                mention,
                summary,
                before=earlier[-1].order if earlier else question_turn.order,
                reserve=reserve,
            )
        references = References()
        if sets:
            references = gather_references(
                self._search,
                plan,
                sets=sets,
                question=mention.question,
                earlier_newest_first=earlier,
                room=room - question.tokens - (summary.tokens if summary else 0),
            )
        return Assembly(
            system=system,
            question=question,
            earlier_newest_first=tuple(self._as_part(turn, mention, plan) for turn in earlier),
            question_turn=question_turn,
            notes=notes,
            plan=plan,
            references=references,
            summary=PromptPart("summary", summary.message, summary.tokens) if summary else None,
            summary_usage=usage,
            file_names=tuple(
                ref.name for turn in (question_turn, *earlier) for ref in turn.file_refs
            ),
        )

    def _extend_summary(
        self,
        limits: SummaryLimits,
        mention: Mention,
        summary: Summary | None,
        *,
        before: str,
        reserve: Reserve,
    ) -> tuple[Summary | None, Usage]:
        """Cover the oldest turns the summary does not cover yet, as far as one turn's share
        of summary calls reaches: the rest follows on later turns, oldest first."""
        pending = self._history.oldest_after(
            mention.thread_key,
            after=summary.through if summary else "",
            before=before,
            max_tokens=limits.chunk_tokens * limits.max_calls,
        )
        outcome = self._summariser.extend(summary, pending, limits, reserve=reserve)
        if outcome.summarised and outcome.summary is not None:
            summary = outcome.summary
            self._history.save_summary(mention.thread_key, summary)
        logger.info(
            "turns fell out of the prompt",
            extra={"summarised_turns": outcome.summarised, "summary_calls": outcome.calls},
        )
        return summary, outcome.usage

    def _read_thread(
        self, mention: Mention, plan: AnswerPlan, state: ThreadState
    ) -> list[StoredTurn]:
        """The thread's messages new since the last turn, as turns, saved before the model is
        asked anything (so a failed answer does not read them again)."""
        if not mention.bot_user_id or mention.ts == mention.thread_ts:
            return []  # a new thread has nothing before it; without the bot's id, no telling
        messages = self._thread.messages(
            channel=mention.channel,
            thread_ts=mention.thread_ts,
            after=state.read_through,
            before=mention.ts,
        )
        if not messages:
            return []
        bot = mention.bot_user_id
        names = self._thread.names(m.user for m in others(messages, bot_user_id=bot))
        turns = context_turns(
            messages,
            bot_user_id=bot,
            known=state.orders,
            names=names,
            spec=plan.spec,
            held_through=state.window[-1].order if state.window else "",
        )
        self._history.append(
            mention.thread_key,
            turns,
            keep_tokens=plan.input_budget,
            read_through=messages[-1].ts,
            people=people_in(messages, bot_user_id=bot),
        )
        return turns

    def _as_part(self, turn: StoredTurn, mention: Mention, plan: AnswerPlan) -> PromptPart:
        content = self._files.expand(turn, mention, spec=plan.spec)
        # A count made with another encoding (the model was changed) is redone, not trusted.
        same = turn.encoding == plan.spec.count_key
        tokens = turn.tokens if same else count_content(content, plan.spec)
        return PromptPart("earlier", Message(turn.role, content), tokens)  # type: ignore[arg-type]


def _summary_room(plan: AnswerPlan) -> int:
    """What the summary may take of the prompt: its length, header and message overhead."""
    if not plan.summary.enabled:
        return 0
    empty = count_message(Summary("", 0, "", "", 0).message, plan.spec)
    return empty + plan.summary.max_tokens


def _recounted(summary: Summary | None, plan: AnswerPlan) -> Summary | None:
    if summary is None or summary.encoding == plan.spec.count_key:
        return summary
    tokens = count_message(summary.message, plan.spec)
    return dataclasses.replace(summary, tokens=tokens, encoding=plan.spec.count_key)


def _part(kind: str, message: Message, plan: AnswerPlan) -> PromptPart:
    return PromptPart(kind, message, count_message(message, plan.spec))  # type: ignore[arg-type]
