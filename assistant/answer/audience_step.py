"""The audience step: who can see this answer, and so what it may draw on, before any tool runs.

Asks Slack for the audience's facts (`audience/lookup.py`), the policy for its decision
(`audience/policy.py`), and applies it: the decision goes on the context (the tools are
filtered by it in `AnswerTools.choose`, linked messages are judged by it), and the plan loses
the document sets and code execution the audience may not have. What was left out, and why,
is logged (the "audience" line, shown in the local workspace's What happened panel). The
decision is made before commands run; the person is told once per thread, by the last step
before the model, when a whole source is off, never what it held.
"""

from __future__ import annotations

import dataclasses
import logging

from assistant.answer.context import AnswerContext
from assistant.answer.plan import AnswerPlan
from assistant.answer.steps import StepResult
from assistant.audience.lookup import AudienceLookup
from assistant.audience.policy import NOTES, AudienceDecision, Source, decide
from assistant.usage.stores import Notices

__all__ = ["AudienceNotice", "AudienceStep", "narrowed"]

logger = logging.getLogger(__name__)


class AudienceStep:
    """Decides, before commands run (so `sources` lists only the document sets this audience
    may have), and narrows the plan."""

    def __init__(self, lookup: AudienceLookup) -> None:
        self._lookup = lookup

    def __call__(self, context: AnswerContext) -> StepResult:
        decision = decide(self._lookup.audience(context.mention), context.plan.channel.audience)
        context.audience = decision
        context.plan = narrowed(context.plan, decision)
        logger.info("audience", extra=decision.to_log())
        return StepResult.CONTINUE


class AudienceNotice:
    """The last step before the model: when a whole source is off for this audience, the
    answer says so, once per thread (a command's reply never uses the notice up)."""

    def __init__(self, notices: Notices) -> None:
        self._notices = notices

    def __call__(self, context: AnswerContext) -> StepResult:
        mention, notice = context.mention, context.audience.notice
        if notice and self._notices.first(
            mention.thread_key, f"audience.{notice}", mention.event_id
        ):
            context.notes += (NOTES[notice],)
            logger.info("audience notice said", extra={"notice": notice})
        return StepResult.CONTINUE


def narrowed(plan: AnswerPlan, decision: AudienceDecision) -> AnswerPlan:
    """The plan without what the audience may not be given."""
    if not decision.permits(Source.DOCUMENTS):
        plan = dataclasses.replace(plan, document_sets=())
    if not decision.permits(Source.TOOLS):
        plan = dataclasses.replace(plan, code_execution=False)
    return plan
