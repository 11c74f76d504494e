"""What happens to a mention before the model is called: access → commands → admission.

Every step takes the `AnswerContext` and says whether the answer goes on (`CONTINUE`) or this
mention has been dealt with (`DONE`: a refusal or a command's reply is in the thread and the
claim is finished). None of them calls the model. A deployment without allowlists, commands
or budgets passes fewer steps; it never passes `None`.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from assistant.answer.commands import CommandRegistry, CommandRequest
from assistant.answer.context import AnswerContext
from assistant.channels.access import REFUSALS, refusal
from assistant.usage.notices import refusal_text
from assistant.usage.policy import Refuse, check
from assistant.usage.stores import Notices, RateLimits, UsageLedger

__all__ = [
    "AccessStep",
    "AdmissionStep",
    "CommandStep",
    "Step",
    "StepResult",
    "run_steps",
]

logger = logging.getLogger(__name__)

RATE_LIMITED = (
    "You are asking faster than {limit} times a minute; please wait a minute and ask again."
)

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StepResult(enum.Enum):
    CONTINUE = "continue"  # on to the next step, then the model
    DONE = "done"  # dealt with: the reply is in the thread and the claim finished


class Step(Protocol):
    def __call__(self, context: AnswerContext) -> StepResult: ...


def run_steps(steps: tuple[Step, ...], context: AnswerContext) -> StepResult:
    for step in steps:
        if step(context) is StepResult.DONE:
            return StepResult.DONE
    return StepResult.CONTINUE


class AccessStep:
    """The allowlists: a refusal is said once per thread, then the bot stays quiet there."""

    def __init__(self, notices: Notices) -> None:
        self._notices = notices

    def __call__(self, context: AnswerContext) -> StepResult:
        mention = context.mention
        reason = refusal(
            context.plan.channel,
            team=mention.team_id,
            channel=mention.channel,
            user=mention.user,
            user_team=mention.user_team,
            is_dm=mention.is_direct_message,
        )
        if reason is None:
            return StepResult.CONTINUE
        first = self._notices.first(mention.thread_key, reason, mention.event_id)
        logger.info("refused", extra={"reason": reason, "said": first})
        if first:
            context.say(REFUSALS[reason], refused=reason)
        else:
            context.finish(refused=reason)
        return StepResult.DONE


class CommandStep:
    """`@assistant <command>`: answered from our own records. A command that counts toward
    the rate limit is refused like a question when the person asks too fast."""

    def __init__(self, registry: CommandRegistry, rate: RateLimits, *, clock: Clock = _utc_now):
        self._registry = registry
        self._rate = rate
        self._clock = clock

    def __call__(self, context: AnswerContext) -> StepResult:
        command = self._registry.parse(context.mention.question)
        if command is None:
            return StepResult.CONTINUE
        if command.counts_toward_rate_limit and not _within_rate(self._rate, context, self._clock):
            return StepResult.DONE
        logger.info("command", extra={"command": command.name})
        answer = command.run(CommandRequest(mention=context.mention, plan=context.plan))
        context.say(answer.text, command=command.name, **answer.details)
        return StepResult.DONE


class AdmissionStep:
    """The person's rate limit, then the budgets against what the ledger has counted."""

    def __init__(self, rate: RateLimits, ledger: UsageLedger, *, clock: Clock = _utc_now):
        self._rate = rate
        self._ledger = ledger
        self._clock = clock

    def __call__(self, context: AnswerContext) -> StepResult:
        if not _within_rate(self._rate, context, self._clock):
            return StepResult.DONE
        mention = context.mention
        spent = self._ledger.spent(team=mention.team_id, channel=mention.channel, user=mention.user)
        verdict = check(context.plan.channel.budgets, spent, self._clock())
        if isinstance(verdict, Refuse):
            limit = verdict.limit
            logger.info("over budget", extra={"limit": limit.name, "spent_usd": limit.spent_usd})
            context.say(refusal_text(limit), refused=limit.name)
            return StepResult.DONE
        context.spent_before = spent
        return StepResult.CONTINUE


def _within_rate(rate: RateLimits, context: AnswerContext, clock: Clock) -> bool:
    """Admits the mention against the person's per-minute limit; says so when it may not."""
    mention, limit = context.mention, context.plan.channel.mentions_per_minute
    if rate.admit(
        team=mention.team_id, user=mention.user, event_id=mention.event_id, limit=limit, now=clock()
    ):
        return True
    logger.info("rate limited", extra={"limit": limit})
    context.say(RATE_LIMITED.format(limit=limit), refused="rate")
    return False
