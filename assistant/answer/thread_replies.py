"""The responder's first step for a thread reply that did not mention the bot.

Most such replies are people's own conversation: one read of the thread's document tells,
and they are dropped without a claim. A second person writing in a conversation with the bot
is remembered (a mention is needed there from then on). A reply that is a follow-up to answer
and carries files goes to the files function first and comes back as an ordinary mention.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from assistant.answer.follow_ups import FollowUp, follow_up
from assistant.answer.plan import AnswerPlan
from assistant.conversation.history import HistoryStore
from assistant.mention import Mention

__all__ = ["ThreadReplies"]

logger = logging.getLogger(__name__)


class ThreadReplies:
    def __init__(
        self,
        *,
        history: HistoryStore,
        plan_for: Callable[[Mention], AnswerPlan],
        forward_files: Callable[[Mention], object] | None = None,
    ) -> None:
        self._history = history
        self._plan_for = plan_for
        self._forward_files = forward_files

    def answer_now(self, mention: Mention) -> bool:
        """Whether this delivery should go on to answer `mention`, a reply without a mention."""
        state = self._history.load(mention.thread_key)
        enabled = self._plan_for(mention).follow_ups
        verdict = follow_up(state, user=mention.user, enabled=enabled)
        logger.info("thread reply without a mention", extra={"verdict": verdict.value})
        if verdict is FollowUp.NOTE_PERSON:
            self._history.add_people(mention.thread_key, {mention.user})
        if verdict is not FollowUp.ANSWER:
            return False
        if mention.files and self._forward_files is not None:
            self._forward_files(dataclasses.replace(mention, follow_up=False))
            return False
        return True
