"""The responder's first step for a thread reply that did not mention the bot.

Most such replies are people's own conversation: one read of the thread's document tells,
and they are dropped without a claim. A second person writing in a conversation with the bot
is remembered (a mention is needed there from then on). Events do not arrive in the order
people wrote (Slack promises none), so before answering, the thread itself says whether anyone
else wrote since the bot's last turn. A reply that is a follow-up to answer and carries files
goes to the files function first and comes back as an ordinary mention.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from assistant.answer.follow_ups import FollowUp, follow_up
from assistant.answer.plan import Planner
from assistant.conversation.thread_messages import people_in
from assistant.conversation.thread_state import History, ThreadState
from assistant.mention import Mention
from assistant.slack.thread_reader import ThreadReader, ThreadUnreadable

__all__ = ["ThreadReplies"]

logger = logging.getLogger(__name__)


class ThreadReplies:
    def __init__(
        self,
        *,
        history: History,
        planner: Planner,
        forward_files: Callable[[Mention], object],
        thread: ThreadReader,
    ) -> None:
        self._history = history
        self._planner = planner
        self._forward_files = forward_files
        self._thread = thread

    def answer_now(self, mention: Mention) -> bool:
        """Whether this delivery should go on to answer `mention`, a reply without a mention."""
        state = self._history.load(mention.thread_key)
        enabled = self._planner.plan(mention).follow_ups
        verdict = follow_up(state, user=mention.user, enabled=enabled)
        logger.info("thread reply without a mention", extra={"verdict": verdict.value})
        if verdict is FollowUp.NOTE_PERSON:
            self._history.add_people(mention.thread_key, {mention.user})
        if verdict is not FollowUp.ANSWER or self._someone_else_wrote(mention, state):
            return False
        if mention.files:
            self._forward_files(dataclasses.replace(mention, follow_up=False))
            return False
        return True

    def _someone_else_wrote(self, mention: Mention, state: ThreadState) -> bool:
        """Whether someone else wrote in the thread before this reply, their event not (yet)
        handled; they are remembered as the event would have done. A thread that cannot be
        read counts as someone else having written: the bot never answers unasked on a guess."""
        if not mention.bot_user_id:  # ingress queues none such; if one came, no telling
            logger.warning("no bot id on a follow-up: a mention is needed")
            return True
        try:
            messages = self._thread.read(
                channel=mention.channel,
                thread_ts=mention.thread_ts,
                after=state.read_through,
                before=mention.ts,
            )
        except ThreadUnreadable as error:
            logger.warning(
                "could not read the thread: a mention is needed", extra={"error": str(error)}
            )
            return True
        others = people_in(messages, bot_user_id=mention.bot_user_id) - {mention.user}
        if others:
            logger.info("someone else wrote first: a mention is needed")
            self._history.add_people(mention.thread_key, others)
        return bool(others)
